import { afterEach, describe, expect, it } from 'vitest';
import { startTargetServer, type RunningTargetServer, type ServerMetricsSnapshot } from '../src/index.js';
import { rawExchange, request, until } from './helpers.js';

let server: RunningTargetServer | undefined;
afterEach(async () => {
  await server?.close({ timeoutMs: 2_000 });
  server = undefined;
});

const PROMETHEUS_SCRAPER_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('GET /metrics (JSON)', () => {
  it('reports the Go server figures, with uptime and rate from the injected clock', async () => {
    let clock = 1_000_000;
    server = await startTargetServer({ port: 0, now: () => clock });
    for (let i = 0; i < 4; i++) await request(`${server.url}/`);
    clock += 2_000;
    const res = await request(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const m = res.json<ServerMetricsSnapshot>();
    expect(m).toMatchObject({
      active_connections: 1,
      total_connections: 5,
      total_requests: 5,
      completed_requests: 4,
      error_count: 0,
      client_errors: 0,
      uptime_seconds: 2,
      requests_per_sec: 2,
      responses_by_status: { '200': 4 },
    });
    for (const key of ['memory_alloc_mb', 'memory_sys_mb', 'heap_alloc_bytes', 'heap_sys_bytes', 'rss_bytes', 'num_gc'] as const) {
      expect(typeof m[key]).toBe('number');
    }
    expect(m.heap_alloc_bytes).toBeGreaterThan(0);
    expect(m.memory_sys_mb).toBeGreaterThan(0);
    expect(m.event_loop_delay_ms).toEqual({ p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });
    expect(m).not.toHaveProperty('num_goroutines');
  });

  it('counts 5xx answers, dropped requests and malformed requests as errors, not 4xx', async () => {
    server = await startTargetServer({ port: 0, random: () => 0 });
    await request(`${server.url}/status/500`);
    await request(`${server.url}/flaky?fail_rate=1`);
    await request(`${server.url}/status/404`);
    await request(`${server.url}/nope`);
    await expect(request(`${server.url}/drop`)).rejects.toThrow();
    await rawExchange(server.port, 'NOT HTTP\r\n\r\n');
    // The dropped response's close event may trail the client's error by a tick.
    await until(() => server?.metrics().error_count === 4, 'the error count to settle');
    const m = server.metrics();
    expect(m.client_errors).toBe(1);
    expect(m.completed_requests).toBe(4);
    expect(m.responses_by_status).toEqual({ '404': 2, '500': 2 });
  });
});

describe('GET /metrics (Prometheus)', () => {
  it.each([
    ['Accept: text/plain', { accept: 'text/plain' }, ''],
    ['a Prometheus scraper Accept', { accept: PROMETHEUS_SCRAPER_ACCEPT }, ''],
    ['?format=prometheus', {}, '?format=prometheus'],
  ])('answers the text exposition for %s', async (_name, headers, query) => {
    server = await startTargetServer({ port: 0 });
    await request(`${server.url}/`);
    const res = await request(`${server.url}/metrics${query}`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('# TYPE target_server_requests_total counter\ntarget_server_requests_total 2\n');
    expect(res.body).toContain('target_server_responses_total{code="200"} 1\n');
    expect(res.body).toContain('# TYPE target_server_active_connections gauge');
    for (const line of res.body.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z0-9_]+ .+|[a-z0-9_]+(\{code="\d{3}"\})? -?\d+(\.\d+)?(e-?\d+)?)$/);
    }
  });

  it('keeps JSON when the client asks for JSON or ?format=json', async () => {
    server = await startTargetServer({ port: 0 });
    const byAccept = await request(`${server.url}/metrics`, { headers: { accept: 'application/json, text/plain' } });
    expect(byAccept.headers['content-type']).toContain('application/json');
    const byQuery = await request(`${server.url}/metrics?format=json`, { headers: { accept: 'text/plain' } });
    expect(byQuery.headers['content-type']).toContain('application/json');
  });
});
