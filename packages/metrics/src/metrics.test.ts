import { describe, expect, it } from 'vitest';
import { LatencyHistogram, Metrics, MetricsArgumentError } from './index.js';
import type { IntervalSnapshot } from './index.js';

/** A clock the test moves by hand. */
function fakeClock(start = 0): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (next) => (t = next) };
}

describe('Metrics counters', () => {
  it('counts successes, failures, statuses, error kinds and bytes', () => {
    const m = new Metrics();
    m.recordSuccess(200, 1_000, 512);
    m.recordSuccess(200, 1_000, 512);
    m.recordSuccess(302, 1_000);
    m.recordFailure('ECONNREFUSED', 50);
    m.recordFailure('ECONNREFUSED', 50);
    m.recordFailure('http_503', 2_000, 503, 100);
    m.recordFailure('expectation', 2_000, 200, 10);
    const s = m.snapshot();
    expect(s.success).toBe(3);
    expect(s.failed).toBe(4);
    expect(s.total).toBe(7);
    expect(s.bytes_received).toBe(1_134);
    expect(s.status_codes).toEqual({ '200': 3, '302': 1, '503': 1 });
    expect(s.errors).toEqual({ ECONNREFUSED: 2, expectation: 1, http_503: 1 });
    expect(s.latency.count).toBe(7);
  });

  it('counts retries and dropped starts apart from requests', () => {
    const m = new Metrics();
    m.recordRetry();
    m.recordRetry();
    m.recordDropped('no_idle_session');
    m.recordDropped('pool_full');
    m.recordDropped('pool_full');
    m.recordDropped(); // the only cause before causes existed
    const s = m.snapshot();
    expect(s).toMatchObject({ retries: 2, dropped: 4, total: 0, success: 0, failed: 0 });
    expect(s.dropped_by_cause).toEqual({ no_idle_session: 2, pool_full: 2 });
  });

  it('ignores non-positive and NaN byte counts', () => {
    const m = new Metrics();
    m.recordSuccess(200, 10, -5);
    m.recordSuccess(200, 10, Number.NaN);
    m.recordFailure('x', 10, 0, 7);
    expect(m.snapshot().bytes_received).toBe(7);
  });

  it('does not count status 0 (no response) among status codes', () => {
    const m = new Metrics();
    m.recordFailure('timeout', 30_000_000);
    expect(m.snapshot().status_codes).toEqual({});
  });

  it('sets the active sessions gauge and rejects nonsense', () => {
    const m = new Metrics();
    m.setActiveSessions(500);
    expect(m.snapshot().active_sessions).toBe(500);
    expect(m.activeSessions).toBe(500);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => m.setActiveSessions(bad)).toThrow(MetricsArgumentError);
    }
    expect(() => m.setActiveSessions(-1)).toThrow(expect.objectContaining({ code: 'SE_ERR_METRICS_INVALID_ARGUMENT' }));
    expect(m.snapshot().active_sessions).toBe(500);
  });
});

describe('success classification', () => {
  it('counts 2xx and 3xx passed to recordSuccess as success', () => {
    const m = new Metrics();
    for (const status of [200, 204, 299, 301, 304, 399]) m.recordSuccess(status, 10);
    expect(m.snapshot()).toMatchObject({ success: 6, failed: 0, errors: {} });
  });

  it('turns any other status passed to recordSuccess into a failure of its class', () => {
    const m = new Metrics();
    m.recordSuccess(404, 10);
    m.recordSuccess(500, 10);
    m.recordSuccess(503, 10, 0, 'login');
    m.recordSuccess(199, 10);
    m.recordSuccess(0, 10);
    m.recordSuccess(400, 10);
    const s = m.snapshot();
    expect(s.success).toBe(0);
    expect(s.failed).toBe(6);
    expect(s.errors).toEqual({ http_199: 1, http_400: 1, http_404: 1, http_500: 1, http_503: 1, http_invalid_status: 1 });
    expect(s.status_codes).toEqual({ '199': 1, '400': 1, '404': 1, '500': 1, '503': 1 });
    expect(s.steps['login']).toMatchObject({ total: 1, success: 0, failed: 1 });
  });

  it('lets the caller fail a 2xx response (e.g. a failed expectation)', () => {
    const m = new Metrics();
    m.recordFailure('expectation', 10, 200);
    expect(m.snapshot()).toMatchObject({ success: 0, failed: 1, status_codes: { '200': 1 } });
  });

  it('keeps total = success + failed and latency.count = total', () => {
    const m = new Metrics();
    for (let i = 0; i < 1_000; i++) {
      if (i % 3 === 0) m.recordFailure(i % 2 ? 'ECONNRESET' : 'timeout', i);
      else m.recordSuccess(i % 7 === 0 ? 500 : 200, i);
      const s = m.snapshot();
      if (s.total !== s.success + s.failed || s.latency.count !== s.total) throw new Error(`broken at ${i}`);
    }
    const s = m.snapshot();
    expect(s.total).toBe(1_000);
    expect(s.success + s.failed).toBe(1_000);
  });
});

describe('steps', () => {
  it('keeps per-step counts and latency apart from each other', () => {
    const m = new Metrics();
    m.recordSuccess(200, 1_000, 0, 'login');
    m.recordSuccess(200, 2_000, 0, 'login');
    m.recordFailure('expectation', 1_000_000, 200, 0, 'checkout');
    m.recordSuccess(200, 5);
    const s = m.snapshot();
    expect(Object.keys(s.steps)).toEqual(['checkout', 'login']);
    expect(s.steps['login']).toMatchObject({ total: 2, success: 2, failed: 0 });
    expect(s.steps['login']?.latency).toMatchObject({ count: 2, min: 1, max: 2 });
    expect(s.steps['checkout']).toMatchObject({ total: 1, success: 0, failed: 1 });
    expect(s.steps['checkout']?.latency.p50).toBeCloseTo(1000, 0);
    expect(typeof s.steps['login']?.histogram).toBe('string');
    // The overall histogram has all four requests.
    expect(s.latency.count).toBe(4);
  });
});

describe('rates', () => {
  it('computes the lifetime rate from the injected clock', () => {
    const clock = fakeClock(1_000);
    const m = new Metrics({ now: clock.now });
    expect(m.requestsPerSecond()).toBe(0);
    for (let i = 0; i < 50; i++) m.recordSuccess(200, 10);
    clock.set(6_000);
    expect(m.requestsPerSecond()).toBe(10);
    expect(m.snapshot().rps).toBe(10);
    expect(m.snapshot().elapsed_ms).toBe(5_000);
  });

  it('computes the windowed rate from the injected clock', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now });
    // 10 requests in each of seconds 0..29, then a burst of 50 at 30.5 s.
    for (let s = 0; s < 30; s++) {
      clock.set(s * 1_000 + 500);
      for (let i = 0; i < 10; i++) m.recordSuccess(200, 10);
    }
    clock.set(30_000);
    expect(m.currentRate()).toBe(10);
    expect(m.snapshot().current_rps).toBe(10);
    clock.set(30_500);
    for (let i = 0; i < 50; i++) m.recordFailure('timeout', 10);
    clock.set(31_000);
    expect(m.currentRate()).toBe(14);
    expect(m.currentRate(1_000)).toBe(50);
    expect(m.requestsPerSecond()).toBeCloseTo(350 / 31, 10);
    // After a quiet minute the window is empty, the lifetime rate is not.
    clock.set(100_000);
    expect(m.currentRate()).toBe(0);
    expect(m.currentRate(60_000)).toBe(0);
    expect(m.requestsPerSecond()).toBe(3.5);
  });

  it('uses the rateWindowMs option as the default window', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now, rateWindowMs: 2_000 });
    clock.set(10_500);
    for (let i = 0; i < 40; i++) m.recordSuccess(200, 10);
    clock.set(12_000);
    expect(m.currentRate()).toBe(20);
    expect(m.snapshot().current_rps).toBe(20);
  });

  it('rejects windows outside (0, 60 s]', () => {
    const m = new Metrics();
    for (const bad of [0, -1, 60_001, Number.NaN]) {
      expect(() => m.currentRate(bad)).toThrow(MetricsArgumentError);
    }
    expect(() => new Metrics({ rateWindowMs: 120_000 })).toThrow(MetricsArgumentError);
    expect(m.currentRate(60_000)).toBe(0);
  });
});

describe('reset', () => {
  it('zeroes the tallies and restarts the clock, keeping the active sessions gauge', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now });
    m.setActiveSessions(3);
    clock.set(500);
    m.recordSuccess(200, 10, 10, 'a');
    m.recordFailure('x', 10);
    m.recordRetry();
    m.recordDropped('pool_full');
    clock.set(2_000);
    m.reset();
    clock.set(3_000);
    const s = m.snapshot();
    expect(s).toMatchObject({
      total: 0, success: 0, failed: 0, retries: 0, dropped: 0, dropped_by_cause: { no_idle_session: 0, pool_full: 0 }, bytes_received: 0,
      elapsed_ms: 1_000, rps: 0, current_rps: 0, active_sessions: 3,
      status_codes: {}, errors: {}, steps: {},
    });
    expect(s.latency.count).toBe(0);
  });
});

describe('takeInterval', () => {
  it('reports what completed since the previous take, timed by the Metrics clock', () => {
    const clock = fakeClock(1_000);
    const m = new Metrics({ now: clock.now });
    clock.set(1_500);
    m.recordSuccess(200, 1_000);
    m.recordSuccess(200, 2_000);
    m.recordFailure('timeout', 30_000);
    clock.set(2_000);
    const first = m.takeInterval();
    expect(first).toMatchObject({ elapsed_ms: 1_000, total: 3, success: 2, failed: 1 });
    // Interval histograms keep 2 significant digits: figures within 1%.
    expect(first.latency).toMatchObject({ count: 3 });
    expect(first.latency.min).toBeCloseTo(1, 1);
    expect(Math.abs(first.latency.max - 30) / 30).toBeLessThan(0.01);

    clock.set(2_500);
    m.recordSuccess(200, 500);
    m.recordSuccess(404, 700);
    clock.set(3_000);
    const second = m.takeInterval();
    expect(second).toMatchObject({ elapsed_ms: 2_000, total: 2, success: 1, failed: 1 });
    // Only this interval's values: none of the first interval's 1-30 ms.
    expect(second.latency).toMatchObject({ count: 2 });
    expect(second.latency.min).toBeCloseTo(0.5, 2);
    expect(second.latency.max).toBeCloseTo(0.7, 2);
    const alone = LatencyHistogram.create();
    alone.record(500);
    alone.record(700);
    expect(second.histogram).toBe(alone.encode(2));
    expect(second.latency).toEqual(LatencyHistogram.decode(alone.encode(2)).summary());
  });

  it('reports an empty interval as zeros', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now });
    m.recordSuccess(200, 10);
    m.takeInterval();
    clock.set(1_000);
    const empty = m.takeInterval();
    expect(empty).toMatchObject({ elapsed_ms: 1_000, total: 0, success: 0, failed: 0 });
    expect(empty.latency).toEqual(LatencyHistogram.create().summary());
    expect(LatencyHistogram.decode(empty.histogram).count).toBe(0);
  });

  it('adds up over consecutive intervals to the snapshot, histograms included', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now });
    const intervals: IntervalSnapshot[] = [];
    let x = 7;
    for (let i = 1; i <= 3_000; i++) {
      clock.set(i * 3);
      x = (x * 48_271) % 2_147_483_647;
      const latency = 50 + (x % 2_000_000);
      if (x % 5 === 0) m.recordFailure('timeout', latency);
      else m.recordSuccess(x % 11 === 0 ? 503 : 200, latency);
      if (i % 700 === 0) intervals.push(m.takeInterval());
    }
    intervals.push(m.takeInterval());
    const s = m.snapshot();
    const sum = (key: 'total' | 'success' | 'failed'): number => intervals.reduce((n, iv) => n + iv[key], 0);
    expect(sum('total')).toBe(s.total);
    expect(sum('success')).toBe(s.success);
    expect(sum('failed')).toBe(s.failed);
    for (const iv of intervals) expect(iv.latency.count).toBe(iv.total);
    expect(intervals.map((iv) => iv.elapsed_ms)).toEqual([2_100, 4_200, 6_300, 8_400, 9_000]);
    // The intervals add up to the run's histogram at their 1% resolution, exactly.
    const merged = LatencyHistogram.create();
    for (const iv of intervals) merged.add(LatencyHistogram.decode(iv.histogram));
    const coarseRun = LatencyHistogram.decode(LatencyHistogram.decode(s.histogram).encode(2));
    expect(merged.encode()).toBe(coarseRun.encode());
    expect(merged.summary()).toEqual(coarseRun.summary());
    expect(Math.abs(merged.summary().p99 - s.latency.p99) / s.latency.p99).toBeLessThan(0.01);
  });

  it('copes with a latency above one hour (the histogram grows)', () => {
    const m = new Metrics();
    m.recordSuccess(200, 100);
    m.takeInterval();
    m.recordFailure('timeout', 7_200_000_000);
    const slow = m.takeInterval();
    expect(slow.latency.count).toBe(1);
    expect(Math.abs(slow.latency.max - 7_200_000) / 7_200_000).toBeLessThan(0.01);
    m.recordSuccess(200, 300);
    const next = m.takeInterval();
    expect(next.latency).toMatchObject({ count: 1, min: 0.3, max: 0.3 });
  });

  it('is a plain JSON value', () => {
    const m = new Metrics({ now: () => 5 });
    m.recordSuccess(200, 1_500);
    const iv = m.takeInterval();
    expect(JSON.parse(JSON.stringify(iv))).toEqual(iv);
    expect(Object.keys(iv)).toEqual(['elapsed_ms', 'total', 'success', 'failed', 'latency', 'histogram']);
  });

  it('starts over on reset()', () => {
    const clock = fakeClock(0);
    const m = new Metrics({ now: clock.now });
    m.recordSuccess(200, 1_000);
    m.takeInterval();
    m.recordSuccess(200, 2_000);
    m.recordFailure('x', 3_000);
    clock.set(10_000);
    m.reset();
    m.recordSuccess(200, 4_000);
    clock.set(10_250);
    const iv = m.takeInterval();
    expect(iv).toMatchObject({ elapsed_ms: 250, total: 1, success: 1, failed: 0 });
    expect(iv.latency).toMatchObject({ count: 1, min: 4, max: 4.001 });
    // A reset before any take works too.
    const fresh = new Metrics();
    fresh.recordSuccess(200, 10);
    fresh.reset();
    expect(fresh.takeInterval().total).toBe(0);
  });
});

describe('options', () => {
  it('rejects a clock that is not a function', () => {
    expect(() => new Metrics({ now: 5 as unknown as () => number })).toThrow(MetricsArgumentError);
  });
});

describe('recordExpected', () => {
  it('counts a status the caller declared acceptable as success, whatever its class', () => {
    const metrics = new Metrics();
    metrics.recordExpected(404, 1_000, 10, 'missing');
    metrics.recordSuccess(404, 1_000);
    const s = metrics.snapshot();
    expect(s.total).toBe(2);
    expect(s.success).toBe(1);
    expect(s.failed).toBe(1);
    expect(s.status_codes).toEqual({ '404': 2 });
    expect(s.errors).toEqual({ http_404: 1 });
    expect(s.steps.missing).toMatchObject({ total: 1, success: 1, failed: 0 });
  });
});
