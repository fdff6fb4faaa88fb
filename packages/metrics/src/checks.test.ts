/** Checks (pass/fail counts by name) and percentiles at any N: both must survive merges exactly. */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram, Metrics, MetricsArgumentError, SnapshotFormatError, mergeSnapshots } from './index.js';

describe('recordCheck', () => {
  it('counts passes and fails by name, in the snapshot in name order, cleared by reset()', () => {
    const metrics = new Metrics();
    expect(metrics.snapshot().checks).toEqual({});
    metrics.recordCheck('login.status', true);
    metrics.recordCheck('login.status', false);
    metrics.recordCheck('login.status', true);
    metrics.recordCheck('__proto__', false);
    metrics.recordCheck('api.body', true);
    const { checks, total, failed } = metrics.snapshot();
    expect(Object.keys(checks)).toEqual(['__proto__', 'api.body', 'login.status']);
    expect(checks['login.status']).toEqual({ passes: 2, fails: 1 });
    expect(checks['api.body']).toEqual({ passes: 1, fails: 0 });
    expect(Object.hasOwn(checks, '__proto__')).toBe(true);
    // A failed check is not a failed request.
    expect([total, failed]).toEqual([0, 0]);
    metrics.reset();
    expect(metrics.snapshot().checks).toEqual({});
  });

  it('merges exactly: the merged counts equal one instance that saw everything', () => {
    const all = new Metrics();
    const parts = [new Metrics(), new Metrics(), new Metrics()];
    for (let i = 0; i < 3_000; i++) {
      const name = ['a.status', 'b.json $.id', 'script check'][i % 3]!;
      const ok = (i * 7919) % 11 !== 0;
      all.recordCheck(name, ok);
      parts[(i * 31) % 3]!.recordCheck(name, ok);
    }
    expect(mergeSnapshots(...parts.map((m) => m.snapshot())).checks).toEqual(all.snapshot().checks);
  });

  it('merges snapshots from before checks (no field) and rejects malformed counts', () => {
    const metrics = new Metrics();
    metrics.recordCheck('x', true);
    const old = { ...new Metrics().snapshot() } as Partial<ReturnType<Metrics['snapshot']>>;
    delete old.checks;
    expect(mergeSnapshots(metrics.snapshot(), old as ReturnType<Metrics['snapshot']>).checks).toEqual({ x: { passes: 1, fails: 0 } });
    const bad = { ...metrics.snapshot(), checks: { x: { passes: 'one', fails: 0 } } };
    expect(() => mergeSnapshots(bad as unknown as ReturnType<Metrics['snapshot']>)).toThrow(SnapshotFormatError);
    expect(() => mergeSnapshots(bad as unknown as ReturnType<Metrics['snapshot']>)).toThrow(/snapshot 0\.checks\.x\.passes is not a finite number/);
  });
});

describe('LatencyHistogram.percentile', () => {
  it('reads any percentile from the buckets, equal to the summary at the fixed ones, and survives encode/decode', () => {
    const histogram = LatencyHistogram.create();
    // 1..1000 ms in 1 ms steps: p(N) is N% of the way, within the 0.1% bucket resolution.
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms * 1000);
    const summary = histogram.summary();
    expect(histogram.percentile(95)).toBe(summary.p95);
    expect(histogram.percentile(99.9)).toBe(summary.p999);
    expect(histogram.percentile(97.5)).toBeCloseTo(975, -0.3); // within 1 ms
    expect(histogram.percentile(97.5)).toBeGreaterThanOrEqual(975);
    expect(histogram.percentile(100)).toBe(summary.max);
    expect(LatencyHistogram.decode(histogram.encode()).percentile(97.5)).toBe(histogram.percentile(97.5));
    expect(LatencyHistogram.create().percentile(50)).toBe(0);
    expect(() => histogram.percentile(101)).toThrow(MetricsArgumentError);
  });
});
