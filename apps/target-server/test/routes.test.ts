import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTargetServer, type RunningTargetServer } from '../src/index.js';
import { keepAliveAgent, request } from './helpers.js';

let server: RunningTargetServer;
let randomValue = 0.5;

beforeEach(async () => {
  randomValue = 0.5;
  server = await startTargetServer({ port: 0, maxDelayMs: 5_000, random: () => randomValue });
});

afterEach(async () => {
  await server.close({ timeoutMs: 2_000 });
});

function sidFrom(setCookie: string[] | undefined): string {
  const line = setCookie?.find((l) => l.startsWith('sid='));
  if (!line) throw new Error('no sid cookie');
  return line.slice(4, line.indexOf(';'));
}

describe('GET /', () => {
  it('answers a small 200 "ok" with a content length', async () => {
    const res = await request(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.headers['content-length']).toBe('2');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('answers HEAD with headers only', async () => {
    const res = await request(`${server.url}/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('GET /health', () => {
  it('reports ok and the uptime', async () => {
    const res = await request(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', uptime_seconds: expect.any(Number) });
  });
});

describe('sessions', () => {
  it('logs in with a form body and sets an HttpOnly, Path=/, SameSite=Lax cookie', async () => {
    const res = await request(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=alice',
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ user: 'alice' });
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{22}; /);
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('logs in with a JSON body, and /api/me names the user of the cookie', async () => {
    const login = await request(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bob' }),
    });
    expect(login.status).toBe(200);
    const sid = sidFrom(login.headers['set-cookie']);
    const me = await request(`${server.url}/api/me`, { headers: { cookie: `sid=${sid}` } });
    expect(me.status).toBe(200);
    expect(me.json()).toEqual({ user: 'bob' });
  });

  it('answers a login with ?next= with a 303 to that path and the session cookie, which the path then accepts', async () => {
    const login = await request(`${server.url}/login?next=/api/me`, { method: 'POST', body: 'user=carol' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/api/me');
    const me = await request(`${server.url}${login.headers.location}`, { headers: { cookie: `sid=${sidFrom(login.headers['set-cookie'])}` } });
    expect(me.json()).toEqual({ user: 'carol' });
  });

  it.each(['https://elsewhere.example/', '//elsewhere.example/', 'api/me', '/\\\\elsewhere.example'])(
    'refuses a login with next=%s (only paths on this server), without a session',
    async (next) => {
      const res = await request(`${server.url}/login?next=${encodeURIComponent(next)}`, { method: 'POST', body: 'user=carol' });
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_next' });
      expect(res.headers['set-cookie']).toBeUndefined();
    },
  );

  it('gives every login its own random id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await request(`${server.url}/login`, { method: 'POST', body: 'user=alice' });
      ids.add(sidFrom(res.headers['set-cookie']));
    }
    expect(ids.size).toBe(5);
  });

  it.each([
    ['form without user', 'application/x-www-form-urlencoded', 'name=alice', 'missing_user'],
    ['empty user', 'application/x-www-form-urlencoded', 'user=', 'missing_user'],
    ['JSON without user', 'application/json', '{"name":"alice"}', 'missing_user'],
    ['JSON user not a string', 'application/json', '{"user":42}', 'missing_user'],
    ['malformed JSON', 'application/json', '{"user":', 'bad_json'],
    ['JSON array', 'application/json', '["alice"]', 'bad_body'],
  ])('answers 400 with a JSON error for %s', async (_name, type, body, error) => {
    const res = await request(`${server.url}/login`, { method: 'POST', headers: { 'content-type': type }, body });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toMatchObject({ error, message: expect.any(String) });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers 415 for a body type it cannot read', async () => {
    const res = await request(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<user/>' });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers 401 on /api/me and /api/counter without a cookie or with an unknown one', async () => {
    for (const path of ['/api/me', '/api/counter']) {
      const none = await request(`${server.url}${path}`);
      expect(none.status).toBe(401);
      expect(none.json()).toMatchObject({ error: 'unauthenticated' });
      const unknown = await request(`${server.url}${path}`, { headers: { cookie: 'sid=forged' } });
      expect(unknown.status).toBe(401);
    }
  });

  it('keeps a counter per session on the server', async () => {
    const a = sidFrom((await request(`${server.url}/login`, { method: 'POST', body: 'user=a' })).headers['set-cookie']);
    const b = sidFrom((await request(`${server.url}/login`, { method: 'POST', body: 'user=b' })).headers['set-cookie']);
    const count = async (sid: string): Promise<unknown> =>
      (await request(`${server.url}/api/counter`, { headers: { cookie: `other=1; sid=${sid}` } })).json();
    expect(await count(a)).toEqual({ user: 'a', counter: 1 });
    expect(await count(a)).toEqual({ user: 'a', counter: 2 });
    expect(await count(b)).toEqual({ user: 'b', counter: 1 });
    expect(await count(a)).toEqual({ user: 'a', counter: 3 });
  });

  it('forgets the session on POST /logout and expires the cookie', async () => {
    const sid = sidFrom((await request(`${server.url}/login`, { method: 'POST', body: 'user=a' })).headers['set-cookie']);
    const out = await request(`${server.url}/logout`, { method: 'POST', headers: { cookie: `sid=${sid}` } });
    expect(out.status).toBe(200);
    expect(out.headers['set-cookie']?.[0]).toContain('Max-Age=0');
    expect((await request(`${server.url}/api/me`, { headers: { cookie: `sid=${sid}` } })).status).toBe(401);
  });

  it('evicts the oldest session beyond maxSessions', async () => {
    const small = await startTargetServer({ port: 0, maxSessions: 2 });
    try {
      const sids: string[] = [];
      for (const user of ['a', 'b', 'c']) {
        sids.push(sidFrom((await request(`${small.url}/login`, { method: 'POST', body: `user=${user}` })).headers['set-cookie']));
      }
      const statuses = await Promise.all(sids.map(async (sid) => (await request(`${small.url}/api/me`, { headers: { cookie: `sid=${sid}` } })).status));
      expect(statuses).toEqual([401, 200, 200]);
    } finally {
      await small.close();
    }
  });
});

describe('GET /cookie', () => {
  it('issues an anonymous session cookie and a small 200', async () => {
    const res = await request(`${server.url}/cookie`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    const sid = sidFrom(res.headers['set-cookie']);
    const me = await request(`${server.url}/api/me`, { headers: { cookie: `sid=${sid}` } });
    expect(me.json()).toEqual({ user: null });
  });

  it('re-sends the same id when the client already has a valid session', async () => {
    const sid = sidFrom((await request(`${server.url}/login`, { method: 'POST', body: 'user=al' })).headers['set-cookie']);
    const res = await request(`${server.url}/cookie`, { headers: { cookie: `sid=${sid}` } });
    expect(sidFrom(res.headers['set-cookie'])).toBe(sid);
  });
});

describe('GET /set-cookies', () => {
  it('sets n cookies in one response', async () => {
    const res = await request(`${server.url}/set-cookies?n=4`);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['c1=1; Path=/', 'c2=2; Path=/', 'c3=3; Path=/', 'c4=4; Path=/']);
    expect(res.json()).toEqual({ set: ['c1', 'c2', 'c3', 'c4'] });
  });

  it('sets 3 by default and none for n=0', async () => {
    expect((await request(`${server.url}/set-cookies`)).headers['set-cookie']).toHaveLength(3);
    expect((await request(`${server.url}/set-cookies?n=0`)).headers['set-cookie']).toBeUndefined();
  });

  it.each(['-1', '51', '2.5', 'x', ''])('answers 400 for n=%s', async (n) => {
    const res = await request(`${server.url}/set-cookies?n=${n}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_count' });
  });
});

describe('/echo', () => {
  it('echoes method, path, query, headers, parsed cookies and the remote end', async () => {
    const res = await request(`${server.url}/echo?a=1&b=2&a=3`, { headers: { cookie: 'sid=abc; theme=dark%20blue', 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      method: 'GET',
      path: '/echo',
      query: { a: ['1', '3'], b: '2' },
      cookies: { sid: 'abc', theme: 'dark blue' },
      body: null,
      http_version: '1.1',
    });
    expect(body.headers).toMatchObject({ 'x-test': 'yes', host: `127.0.0.1:${server.port}` });
    expect(body.remote).toMatchObject({ address: '127.0.0.1', port: expect.any(Number) });
  });

  it('echoes the method and body of a POST', async () => {
    const res = await request(`${server.url}/echo`, { method: 'PUT', body: 'hello' });
    expect(res.json()).toMatchObject({ method: 'PUT', body: 'hello' });
  });
});

describe('GET /delay', () => {
  it('waits at least ms, then answers 200', async () => {
    const started = performance.now();
    const res = await request(`${server.url}/delay?ms=60`);
    // Timers never fire early (a 1 ms slack covers clock rounding); no upper bound is asserted.
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ delayed_ms: 60 });
  });

  it.each(['', 'abc', '-5', '1.5', '5001'])('answers 400 for ms=%s', async (ms) => {
    const res = await request(`${server.url}/delay?ms=${ms}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_delay' });
  });

  it('answers 400 without ms', async () => {
    expect((await request(`${server.url}/delay`)).status).toBe(400);
  });
});

describe('GET /status/:code', () => {
  it.each([200, 201, 302, 404, 418, 500, 503, 599])('answers %i with a JSON body', async (code) => {
    const res = await request(`${server.url}/status/${code}`);
    expect(res.status).toBe(code);
    expect(res.json()).toEqual({ status: code });
  });

  it.each([204, 304])('answers %i without a body', async (code) => {
    const res = await request(`${server.url}/status/${code}`);
    expect(res.status).toBe(code);
    expect(res.body).toBe('');
  });

  it('sends a 1xx as an interim response followed by a final 200', async () => {
    const res = await request(`${server.url}/status/103`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 200, informational: 103 });
  });

  it.each(['99', '600', '2000', 'abc', '20x'])('answers 400 for /status/%s', async (code) => {
    const res = await request(`${server.url}/status/${code}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_status' });
  });
});

describe('GET /flaky', () => {
  it('fails with 500 when the random draw is below fail_rate, else 200', async () => {
    randomValue = 0.29;
    expect((await request(`${server.url}/flaky?fail_rate=0.3`)).status).toBe(500);
    randomValue = 0.3;
    expect((await request(`${server.url}/flaky?fail_rate=0.3`)).status).toBe(200);
  });

  it('never fails at 0 and always fails at 1', async () => {
    randomValue = 0;
    expect((await request(`${server.url}/flaky?fail_rate=0`)).status).toBe(200);
    randomValue = 0.999_999;
    expect((await request(`${server.url}/flaky?fail_rate=1`)).status).toBe(500);
  });

  it('defaults to a 0.5 rate', async () => {
    randomValue = 0.49;
    expect((await request(`${server.url}/flaky`)).status).toBe(500);
    randomValue = 0.5;
    expect((await request(`${server.url}/flaky`)).status).toBe(200);
  });

  it('fails at roughly the asked rate with the real random source', async () => {
    const real = await startTargetServer({ port: 0 });
    try {
      const agent = keepAliveAgent();
      let failures = 0;
      for (let i = 0; i < 400; i++) if ((await request(`${real.url}/flaky?fail_rate=0.3`, { agent })).status === 500) failures++;
      agent.destroy();
      // Binomial(400, 0.3): mean 120, sd 9.2; these bounds are 6.5 sd away.
      expect(failures).toBeGreaterThan(60);
      expect(failures).toBeLessThan(180);
    } finally {
      await real.close();
    }
  });

  it.each(['-0.1', '1.5', 'x', ''])('answers 400 for fail_rate=%s', async (rate) => {
    const res = await request(`${server.url}/flaky?fail_rate=${rate}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_fail_rate' });
  });
});

describe('GET /drop', () => {
  it('destroys the socket without answering', async () => {
    await expect(request(`${server.url}/drop`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    // The server is unharmed.
    expect((await request(`${server.url}/`)).status).toBe(200);
  });
});
