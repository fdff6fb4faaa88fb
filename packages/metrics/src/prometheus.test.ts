import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics, MetricsArgumentError } from './index.js';

/** The value of one series line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function recordSome(m: Metrics): void {
  m.recordSuccess(200, 500, 100);
  m.recordSuccess(200, 2_000, 100, 'login');
  m.recordSuccess(301, 20_000);
  m.recordFailure('ECONNREFUSED', 2_000_000);
  m.recordFailure('http_503', 1_000, 503, 5, 'login');
  m.recordRetry();
  m.recordDropped('no_idle_session');
  m.recordDropped('pool_full');
  m.recordDropped('pool_full');
  m.setActiveSessions(12);
}

describe('prometheus', () => {
  it('exposes counters, the sessions gauge and the latency histogram', async () => {
    const m = new Metrics();
    recordSome(m);
    const text = await m.prometheus();
    expect(text).toContain('# TYPE session_engine_requests_total counter');
    expect(sample(text, 'session_engine_requests_total{outcome="success"}')).toBe(3);
    expect(sample(text, 'session_engine_requests_total{outcome="failed"}')).toBe(2);
    expect(sample(text, 'session_engine_responses_total{status_code="200"}')).toBe(2);
    expect(sample(text, 'session_engine_responses_total{status_code="301"}')).toBe(1);
    expect(sample(text, 'session_engine_responses_total{status_code="503"}')).toBe(1);
    expect(sample(text, 'session_engine_request_errors_total{kind="ECONNREFUSED"}')).toBe(1);
    expect(sample(text, 'session_engine_request_errors_total{kind="http_503"}')).toBe(1);
    expect(sample(text, 'session_engine_step_requests_total{step="login",outcome="success"}')).toBe(1);
    expect(sample(text, 'session_engine_step_requests_total{step="login",outcome="failed"}')).toBe(1);
    expect(sample(text, 'session_engine_retries_total')).toBe(1);
    expect(sample(text, 'session_engine_dropped_total{cause="no_idle_session"}')).toBe(1);
    expect(sample(text, 'session_engine_dropped_total{cause="pool_full"}')).toBe(2);
    expect(sample(text, 'session_engine_received_bytes_total')).toBe(205);
    expect(text).toContain('# TYPE session_engine_active_sessions gauge');
    expect(sample(text, 'session_engine_active_sessions')).toBe(12);

    expect(text).toContain('# TYPE session_engine_request_duration_seconds histogram');
    const bucket = (le: string): number | undefined =>
      sample(text, `session_engine_request_duration_seconds_bucket{le="${le}"}`);
    // Latencies: 0.5 ms, 1 ms, 2 ms, 20 ms, 2 s; bounds are inclusive.
    expect(bucket('0.001')).toBe(2);
    expect(bucket('0.0025')).toBe(3);
    expect(bucket('0.01')).toBe(3);
    expect(bucket('0.025')).toBe(4);
    expect(bucket('1')).toBe(4);
    expect(bucket('2.5')).toBe(5);
    expect(bucket('60')).toBe(5);
    expect(bucket('+Inf')).toBe(5);
    expect(sample(text, 'session_engine_request_duration_seconds_count')).toBe(5);
    expect(sample(text, 'session_engine_request_duration_seconds_sum')).toBeCloseTo(2.0235, 9);
  });

  it('reads the tallies afresh on every scrape without double counting', async () => {
    const m = new Metrics();
    m.recordSuccess(200, 100);
    await m.prometheus();
    const again = await m.prometheus();
    expect(sample(again, 'session_engine_requests_total{outcome="success"}')).toBe(1);
    expect(sample(again, 'session_engine_request_duration_seconds_count')).toBe(1);
    m.recordSuccess(200, 100);
    m.recordFailure('timeout', 100);
    const later = await m.prometheus();
    expect(sample(later, 'session_engine_requests_total{outcome="success"}')).toBe(2);
    expect(sample(later, 'session_engine_requests_total{outcome="failed"}')).toBe(1);
    expect(sample(later, 'session_engine_request_duration_seconds_count')).toBe(3);
    m.reset();
    const afterReset = await m.prometheus();
    expect(sample(afterReset, 'session_engine_requests_total{outcome="success"}')).toBe(0);
    expect(sample(afterReset, 'session_engine_request_errors_total{kind="timeout"}')).toBeUndefined();
  });

  it('keeps two instances independent of each other and of the global registry', async () => {
    const a = new Metrics();
    const b = new Metrics();
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
    recordSome(a);
    const textB = await b.prometheus();
    expect(sample(textB, 'session_engine_requests_total{outcome="success"}')).toBe(0);
    expect(sample(textB, 'session_engine_request_duration_seconds_count')).toBe(0);
    expect(sample(textB, 'session_engine_active_sessions')).toBe(0);
    expect(sample(await a.prometheus(), 'session_engine_requests_total{outcome="success"}')).toBe(3);
    expect(await globalRegistry.metrics()).not.toContain('session_engine_');
  });

  it('serves JSON through the registry too', async () => {
    const m = new Metrics();
    recordSome(m);
    const json = await m.registry.getMetricsAsJSON();
    const histogram = json.find((x) => x.name === 'session_engine_request_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.values.length).toBe(15 + 3);
  });

  it('names its content type', () => {
    expect(new Metrics().contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('applies custom buckets and default labels', async () => {
    const m = new Metrics({ latencyBuckets: [0.001, 0.1], defaultLabels: { instance: 'w1' } });
    m.recordSuccess(200, 50_000);
    const text = await m.prometheus();
    expect(sample(text, 'session_engine_retries_total{instance="w1"}')).toBe(0);
    expect(sample(text, 'session_engine_request_duration_seconds_bucket{le="0.001",instance="w1"}')).toBe(0);
    expect(sample(text, 'session_engine_request_duration_seconds_bucket{le="0.1",instance="w1"}')).toBe(1);
    expect(text).not.toContain('le="0.0025"');
  });

  it('rejects bad bucket lists', () => {
    for (const bad of [[], [0.1, 0.1], [0.5, 0.1], [0, 1], [Number.NaN]]) {
      expect(() => new Metrics({ latencyBuckets: bad })).toThrow(MetricsArgumentError);
    }
  });
});
