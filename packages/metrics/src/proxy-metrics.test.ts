import { describe, expect, it } from 'vitest';
import { Metrics, type ProxyMetricsRow } from './index.js';

function row(overrides: Partial<ProxyMetricsRow>): ProxyMetricsRow {
  return { proxy: 'http://10.0.0.1:8080', line: 1, requests: 0, failed: 0, failovers: 0, circuit: 'closed', unhealthy_ms: 0, ...overrides };
}

describe('Metrics.trackProxies', () => {
  it('exposes per-proxy counters and the circuit state, labelled by masked proxy and line, read at scrape time', async () => {
    const metrics = new Metrics();
    let rows: ProxyMetricsRow[] = [row({ requests: 5 })];
    metrics.trackProxies(() => rows);
    expect(await metrics.prometheus()).toContain('session_engine_proxy_requests_total{proxy="http://10.0.0.1:8080",line="1"} 5');

    rows = [
      row({ requests: 12, failed: 3, failovers: 2, circuit: 'open', unhealthy_ms: 1_500 }),
      row({ proxy: 'socks5://***:***@10.0.0.2:1080', line: 2, circuit: 'removed', requests: 4 }),
    ];
    const text = await metrics.prometheus();
    expect(text).toContain('session_engine_proxy_requests_total{proxy="http://10.0.0.1:8080",line="1"} 12');
    expect(text).toContain('session_engine_proxy_failures_total{proxy="http://10.0.0.1:8080",line="1"} 3');
    expect(text).toContain('session_engine_proxy_failovers_total{proxy="http://10.0.0.1:8080",line="1"} 2');
    expect(text).toContain('session_engine_proxy_unhealthy_seconds_total{proxy="http://10.0.0.1:8080",line="1"} 1.5');
    expect(text).toContain('session_engine_proxy_circuit_state{proxy="http://10.0.0.1:8080",line="1",state="open"} 1');
    expect(text).toContain('session_engine_proxy_circuit_state{proxy="http://10.0.0.1:8080",line="1",state="closed"} 0');
    // A removed proxy keeps its counters but has no circuit state.
    expect(text).toContain('session_engine_proxy_requests_total{proxy="socks5://***:***@10.0.0.2:1080",line="2"} 4');
    expect(text).not.toContain('session_engine_proxy_circuit_state{proxy="socks5://***:***@10.0.0.2:1080"');
  });

  it('refuses a second source', () => {
    const metrics = new Metrics();
    metrics.trackProxies(() => []);
    expect(() => metrics.trackProxies(() => [])).toThrow(expect.objectContaining({ code: 'SE_ERR_METRICS_INVALID_ARGUMENT' }));
  });
});
