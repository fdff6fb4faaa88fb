import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmptyMergeError, LatencyHistogram, Metrics, SnapshotFormatError, mergeSnapshots } from './index.js';
import type { MetricsSnapshot } from './index.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

const STEPS = ['login', 'browse', 'checkout'];
const KINDS = ['ECONNREFUSED', 'UND_ERR_HEADERS_TIMEOUT', 'timeout', 'expectation'];

/** Feeds the same random traffic to `all` and, split at random, to `a` or `b`. */
function drive(all: Metrics, a: Metrics, b: Metrics, setTime: (t: number) => void): void {
  const random = lcg(42);
  for (let i = 0; i < 4_000; i++) {
    setTime(i * 5);
    const target = random() < 0.4 ? a : b;
    // Latencies from 20 us to ~5 s, heavy-tailed.
    const latency = 20 + Math.floor(random() ** 4 * 5_000_000);
    const step = random() < 0.7 ? STEPS[Math.floor(random() * STEPS.length)] : undefined;
    const bytes = Math.floor(random() * 4_096);
    const r = random();
    for (const m of [all, target]) {
      if (r < 0.75) m.recordSuccess(r < 0.7 ? 200 : 302, latency, bytes, step);
      else if (r < 0.85) m.recordSuccess(r < 0.8 ? 404 : 503, latency, bytes, step);
      else m.recordFailure(KINDS[Math.floor((r - 0.85) * 26.66)] ?? 'timeout', latency, 0, 0, step);
      if (r > 0.95) m.recordRetry();
      if (r < 0.01) m.recordDropped(r < 0.004 ? 'pool_full' : 'no_idle_session');
    }
  }
}

describe('snapshot', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-25T22:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is a plain JSON value that survives a round trip unchanged', () => {
    const m = new Metrics({ now: () => 1_000 });
    m.recordSuccess(200, 1_500, 10, 'login');
    m.recordFailure('ECONNREFUSED', 20);
    const s = m.snapshot();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(s.latency)).toBe(Object.prototype);
    expect(s.started_at).toBe('2026-02-25T22:00:00.000Z');
  });

  it('is detached: later recording does not change an earlier snapshot', () => {
    const m = new Metrics();
    m.recordSuccess(200, 100, 0, 'a');
    const before = m.snapshot();
    const copy = structuredClone(before);
    m.recordSuccess(200, 100, 0, 'a');
    m.recordFailure('x', 100, 500);
    expect(before).toEqual(copy);
  });

  it('is internally consistent', () => {
    let t = 0;
    const all = new Metrics({ now: () => t });
    drive(all, new Metrics(), new Metrics(), (next) => (t = next));
    const s = all.snapshot();
    expect(s.total).toBe(4_000);
    expect(s.success + s.failed).toBe(s.total);
    expect(s.latency.count).toBe(s.total);
    const failuresByKind = Object.values(s.errors).reduce((x, y) => x + y, 0);
    expect(failuresByKind).toBe(s.failed);
    const stepTotal = Object.values(s.steps).reduce((x, st) => x + st.total, 0);
    expect(stepTotal).toBeLessThan(s.total);
    for (const st of Object.values(s.steps)) {
      expect(st.success + st.failed).toBe(st.total);
      expect(st.latency.count).toBe(st.total);
    }
    const l = s.latency;
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.p999);
    expect(l.p999).toBeLessThanOrEqual(l.max);
  });
});

describe('mergeSnapshots', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-25T22:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function threeWay(): { all: MetricsSnapshot; a: MetricsSnapshot; b: MetricsSnapshot } {
    let t = 0;
    const now = (): number => t;
    const all = new Metrics({ now });
    const a = new Metrics({ now });
    const b = new Metrics({ now });
    drive(all, a, b, (next) => (t = next));
    t = 20_000;
    a.setActiveSessions(3);
    b.setActiveSessions(4);
    all.setActiveSessions(7);
    return { all: all.snapshot(), a: a.snapshot(), b: b.snapshot() };
  }

  it('equals one instance that recorded everything', () => {
    const { all, a, b } = threeWay();
    const merged = mergeSnapshots(a, b);
    // Windowed rates add up; in floating point the sum may differ in the last bit.
    expect(merged.current_rps).toBeCloseTo(all.current_rps, 9);
    const { current_rps: _m, ...mergedRest } = merged;
    const { current_rps: _a, ...allRest } = all;
    expect(mergedRest).toEqual(allRest);
    // Same key order and same encoded histograms, byte for byte.
    expect(JSON.stringify(mergedRest)).toBe(JSON.stringify(allRest));
    // And not by accident: the parts really differ from the whole.
    expect(a.latency.p99).not.toBe(all.latency.p99);
  });

  it('adds drops by cause; a snapshot from before the causes counts its drops as no_idle_session', () => {
    const a = new Metrics();
    a.recordDropped('pool_full');
    a.recordDropped('no_idle_session');
    const { dropped_by_cause: _omitted, ...old } = (() => {
      const b = new Metrics();
      b.recordDropped();
      b.recordDropped();
      return b.snapshot();
    })();
    const merged = mergeSnapshots(a.snapshot(), old as MetricsSnapshot);
    expect(merged.dropped).toBe(4);
    expect(merged.dropped_by_cause).toEqual({ no_idle_session: 3, pool_full: 1 });
  });

  it('merges snapshots that crossed a process boundary as JSON', () => {
    const { all, a, b } = threeWay();
    const merged = mergeSnapshots(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
    expect(merged.latency).toEqual(all.latency);
    expect(merged.steps).toEqual(all.steps);
  });

  it('is associative and a single snapshot merges to itself', () => {
    const { a, b, all } = threeWay();
    const one = mergeSnapshots(a);
    expect(one).toEqual(a);
    const left = mergeSnapshots(mergeSnapshots(a, b), all);
    const flat = mergeSnapshots(a, b, all);
    expect(left.histogram).toBe(flat.histogram);
    expect(left.latency).toEqual(flat.latency);
    expect(flat.total).toBe(2 * all.total);
  });

  it('takes the earliest start and the longest elapsed time, and recomputes rps', () => {
    const early = new Metrics({ now: () => 0 });
    vi.setSystemTime(new Date('2026-02-25T22:00:05.000Z'));
    let t = 0;
    const late = new Metrics({ now: () => t });
    for (let i = 0; i < 30; i++) late.recordSuccess(200, 10);
    t = 3_000;
    for (let i = 0; i < 10; i++) early.recordSuccess(200, 10);
    const merged = mergeSnapshots(late.snapshot(), early.snapshot());
    expect(merged.started_at).toBe('2026-02-25T22:00:00.000Z');
    expect(merged.elapsed_ms).toBe(3_000);
    expect(merged.total).toBe(40);
    expect(merged.rps).toBeCloseTo(40 / 3, 10);
  });

  it('reports p95 overall and per step, in snapshots and merges', () => {
    const { all, a, b } = threeWay();
    const merged = mergeSnapshots(a, b);
    const keys = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
    for (const s of [all, merged]) {
      expect(Object.keys(s.latency)).toEqual(keys);
      for (const step of Object.values(s.steps)) expect(Object.keys(step.latency)).toEqual(keys);
    }
    expect(merged.latency.p95).toBe(all.latency.p95);
    expect(merged.latency.p95).toBe(LatencyHistogram.decode(all.histogram).summary().p95);
  });

  it('merges bucket counts above 2^32 exactly', () => {
    const h = LatencyHistogram.create();
    h.record(2_000);
    for (let i = 0; i < 32; i++) h.add(h);
    h.record(2_000);
    const big = 2 ** 32 + 1;
    const one: MetricsSnapshot = { ...new Metrics().snapshot(), success: big, latency: h.summary(), histogram: h.encode() };
    const merged = mergeSnapshots(one, JSON.parse(JSON.stringify(one)), one);
    expect(merged.total).toBe(3 * big);
    expect(merged.latency).toMatchObject({ count: 3 * big, min: 2, p50: 2, p95: 2, max: 2 });
    expect(LatencyHistogram.decode(merged.histogram).count).toBe(3 * big);
  });

  it('recomputes percentiles instead of averaging them', () => {
    const fast = new Metrics();
    const slow = new Metrics();
    for (let i = 0; i < 99; i++) fast.recordSuccess(200, 1_000);
    slow.recordSuccess(200, 1_000_000);
    const merged = mergeSnapshots(fast.snapshot(), slow.snapshot());
    expect(merged.latency.p50).toBe(1);
    expect(merged.latency.p99).toBe(1);
    expect(merged.latency.max).toBeCloseTo(1_000, -1);
    expect(merged.latency.count).toBe(100);
  });

  it('keeps caller text such as "__proto__" as ordinary keys through snapshot, JSON and merge', () => {
    const m = new Metrics();
    m.recordFailure('__proto__', 10, 0, 0, '__proto__');
    m.recordFailure('constructor', 10);
    const s = m.snapshot();
    expect(Object.keys(s.errors)).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(s.steps)).toEqual(['__proto__']);
    const merged = mergeSnapshots(JSON.parse(JSON.stringify(s)), s);
    expect(Object.getOwnPropertyDescriptor(merged.errors, '__proto__')?.value).toBe(2);
    expect(Object.getOwnPropertyDescriptor(merged.steps, '__proto__')?.value).toMatchObject({ total: 2, failed: 2 });
    expect(Object.getPrototypeOf(merged.errors)).toBe(Object.prototype);
  });

  it('refuses an empty call and malformed snapshots with stable codes', () => {
    expect(() => mergeSnapshots()).toThrow(EmptyMergeError);
    expect(() => mergeSnapshots()).toThrow(expect.objectContaining({ code: 'SE_ERR_METRICS_NO_SNAPSHOTS' }));
    const good = new Metrics().snapshot();
    const bad: unknown[] = [
      null,
      { ...good, total: undefined, success: 'x' },
      { ...good, started_at: 'yesterday' },
      { ...good, errors: { a: 'b' } },
      { ...good, histogram: 'not a histogram' },
      { ...good, histogram: 42 },
      { ...good, steps: { a: { success: 1, failed: 0, histogram: 'nope' } } },
    ];
    for (const snapshot of bad) {
      let caught: unknown;
      try {
        mergeSnapshots(good, snapshot as MetricsSnapshot);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SnapshotFormatError);
      expect((caught as SnapshotFormatError).code).toBe('SE_ERR_METRICS_INVALID_SNAPSHOT');
    }
  });
});
