import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from 'node:http';
import { startTargetServer, type RunningTargetServer, type TrafficStatsSnapshot } from '../src/index.js';
import { keepAliveAgent, request, until } from './helpers.js';

let server: RunningTargetServer;
let agents: Agent[] = [];

function agent(): Agent {
  const created = keepAliveAgent();
  agents.push(created);
  return created;
}

beforeEach(async () => {
  server = await startTargetServer({ port: 0 });
});

afterEach(async () => {
  for (const a of agents) a.destroy();
  agents = [];
  await server.close({ timeoutMs: 2_000 });
});

async function getStats(): Promise<TrafficStatsSnapshot> {
  return (await request(`${server.url}/stats`)).json<TrafficStatsSnapshot>();
}

describe('/stats', () => {
  it('counts N keep-alive requests over one socket as one connection', async () => {
    const shared = agent();
    for (let i = 0; i < 5; i++) expect((await request(`${server.url}/`, { agent: shared })).status).toBe(200);
    const stats = await getStats();
    expect(stats.total_requests).toBe(5);
    expect(stats.connections.with_requests).toBe(1);
    expect(Object.values(stats.requests_per_connection)).toEqual([5]);
    expect(Object.values(stats.requests_per_remote)).toEqual([5]);
    expect(stats.requests_per_remote_address).toEqual({ '127.0.0.1': 5 });
  });

  it('counts requests without keep-alive as one connection each', async () => {
    for (let i = 0; i < 3; i++) await request(`${server.url}/`);
    const stats = await getStats();
    expect(stats.total_requests).toBe(3);
    expect(stats.connections.with_requests).toBe(3);
    expect(Object.values(stats.requests_per_connection)).toEqual([1, 1, 1]);
    // opened also counts the connection this /stats request came on.
    expect(stats.connections.opened).toBe(4);
  });

  it('tells two keep-alive clients apart', async () => {
    const a = agent();
    const b = agent();
    for (let i = 0; i < 3; i++) await request(`${server.url}/`, { agent: a });
    for (let i = 0; i < 2; i++) await request(`${server.url}/echo`, { agent: b });
    const stats = server.stats();
    expect(Object.values(stats.requests_per_connection).sort()).toEqual([2, 3]);
    expect(stats.connections.open).toBe(2);
  });

  it('leaves /stats, /metrics and /health out of the counts', async () => {
    const shared = agent();
    await request(`${server.url}/health`, { agent: shared });
    await request(`${server.url}/metrics`, { agent: shared });
    await request(`${server.url}/stats`, { agent: shared });
    await request(`${server.url}/stats/reset`, { method: 'POST', agent: shared });
    await request(`${server.url}/`, { agent: shared });
    const stats = server.stats();
    expect(stats.total_requests).toBe(1);
    expect(stats.requests_per_connection).toEqual({ [Object.keys(stats.requests_per_connection)[0] ?? '']: 1 });
  });

  it('counts distinct session cookies and requests per session', async () => {
    await request(`${server.url}/`, { headers: { cookie: 'sid=one' } });
    await request(`${server.url}/`, { headers: { cookie: 'theme=x; sid=one' } });
    await request(`${server.url}/echo`, { headers: { cookie: 'sid=two' } });
    await request(`${server.url}/`, { headers: { cookie: 'theme=x' } });
    await request(`${server.url}/`);
    const { sessions } = await getStats();
    expect(sessions.count).toBe(2);
    expect(sessions.ids.sort()).toEqual(['one', 'two']);
    expect(sessions.requests).toEqual({ one: 2, two: 1 });
    expect(sessions.requests_without_session).toBe(2);
  });

  it('follows a real cookie flow: /cookie then requests carrying the issued id', async () => {
    const first = await request(`${server.url}/cookie`);
    const sid = first.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
    await request(`${server.url}/`, { headers: { cookie: sid } });
    await request(`${server.url}/`, { headers: { cookie: sid } });
    const { sessions } = server.stats();
    expect(sessions.ids).toEqual([sid.slice('sid='.length)]);
    expect(sessions.requests_without_session).toBe(1);
  });

  it('counts proxy marker headers', async () => {
    await request(`${server.url}/`, { headers: { via: '1.1 proxy' } });
    await request(`${server.url}/`, { headers: { forwarded: 'for=10.0.0.1', 'x-forwarded-for': '10.0.0.1' } });
    await request(`${server.url}/`, { headers: { 'x-forwarded-for': '10.0.0.2' } });
    await request(`${server.url}/`);
    const { proxied, total_requests } = server.stats();
    expect(total_requests).toBe(4);
    expect(proxied).toEqual({ requests: 3, via: 1, forwarded: 1, x_forwarded_for: 2 });
  });

  it('counts requests that get 404, 405 or 400', async () => {
    await request(`${server.url}/nope`);
    await request(`${server.url}/login`);
    await request(`${server.url}/delay?ms=x`);
    expect(server.stats().total_requests).toBe(3);
  });

  it('tracks open connections as they close', async () => {
    const shared = agent();
    await request(`${server.url}/`, { agent: shared });
    expect(server.stats().connections.open).toBe(1);
    shared.destroy();
    await until(() => server.stats().connections.open === 0, 'the socket to close');
  });

  it('resets on POST /stats/reset, keeping the open-connections gauge', async () => {
    const shared = agent();
    await request(`${server.url}/`, { agent: shared, headers: { cookie: 'sid=s', via: 'p' } });
    const before = server.stats();
    const res = await request(`${server.url}/stats/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ reset: true });
    const after = server.stats();
    expect(after).toMatchObject({
      total_requests: 0,
      connections: { opened: 0, open: 1, with_requests: 0 },
      requests_per_connection: {},
      requests_per_remote: {},
      sessions: { count: 0, ids: [], requests: {}, requests_without_session: 0 },
      proxied: { requests: 0, via: 0, forwarded: 0, x_forwarded_for: 0 },
    });
    expect(Date.parse(after.since)).toBeGreaterThanOrEqual(Date.parse(before.since));
    // Requests on a connection opened before the reset count again from zero.
    await request(`${server.url}/`, { agent: shared });
    expect(Object.values(server.stats().requests_per_connection)).toEqual([1]);
  });

  it('answers 405 with Allow for GET /stats/reset', async () => {
    const res = await request(`${server.url}/stats/reset`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('stats() and resetStats() mirror the routes', async () => {
    await request(`${server.url}/`, { headers: { cookie: 'sid=z' } });
    const viaRoute = await getStats();
    const direct = server.stats();
    // Only the connection gauges differ: the /stats request came on a connection of its own.
    expect({ ...direct, connections: undefined }).toEqual({ ...viaRoute, connections: undefined });
    expect(direct.total_requests).toBe(1);
    server.resetStats();
    expect(server.stats().total_requests).toBe(0);
  });

  it('caps tracked keys and reports the rest as untracked', async () => {
    const capped = await startTargetServer({ port: 0, maxTrackedKeys: 2 });
    try {
      for (let i = 0; i < 4; i++) await request(`${capped.url}/`, { headers: { cookie: `sid=s${i}` } });
      const stats = capped.stats();
      expect(stats.total_requests).toBe(4);
      expect(Object.keys(stats.requests_per_connection)).toHaveLength(2);
      expect(stats.sessions.count).toBe(2);
      expect(stats.untracked).toBe(2);
    } finally {
      await capped.close();
    }
  });
});
