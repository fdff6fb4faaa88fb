/**
 * The control API's HTTP layer through fastify's inject (no socket): the
 * security rules, the error answers, and the OpenAPI document checked
 * against real responses. The run behind it is a stand-in LiveRun; run()
 * with a real one is tested in test/control.test.ts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../report.js';
import { FailureLimiter } from './auth.js';
import { buildControlApp, CONTROL_BODY_LIMIT } from './control-server.js';
import { ControlConflictError } from './errors.js';
import { ProxyFileError } from '@session-engine/proxy';
import { attachLiveRun, attachProxyReload, RunControl, type LiveRun, type ProxyReload } from './run-control.js';
import { parseRunChange, type RunChange, type RunStatus } from './schemas.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const auth = { authorization: `Bearer ${TOKEN}` };

function statusOf(overrides: Partial<RunStatus> = {}): RunStatus {
  return {
    state: 'running',
    model: 'closed',
    sessions: { target: 2, active: 2 },
    rate: null,
    elapsed_ms: 1_500,
    planned_ms: 0,
    iterations: 12,
    totals: { requests: 24, success: 23, failed: 1, retries: 0, dropped: 0, rps: 16, current_rps: 16 },
    latency: { p50: 1.2, p95: 3.4, p99: 5.6 },
    errors: { http_503: 1 },
    log_level: 'info',
    ...overrides,
  };
}

/** A LiveRun that records what it was asked: the HTTP layer is what is under test. */
class StandIn implements LiveRun {
  changes: RunChange[] = [];
  stops: (number | undefined)[] = [];
  status = (): RunStatus => statusOf();
  update = async (change: RunChange): Promise<RunStatus> => {
    const parsed = parseRunChange(change);
    if (parsed.rate !== undefined) throw new ControlConflictError('rate applies to the open model only');
    this.changes.push(parsed);
    return statusOf(parsed.sessions === undefined ? {} : { sessions: { target: parsed.sessions, active: 2 } });
  };
  stop = (options: { gracefulStopMs?: number | undefined }) => {
    this.stops.push(options.gracefulStopMs);
    return { graceful_stop_ms: options.gracefulStopMs ?? 30_000 };
  };
  report = (): RunReport =>
    ({
      engine: 'test',
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:00:01.500Z',
      duration: 1.5,
      reason: 'stopped',
      model: 'closed',
      target: 'http://127.0.0.1:1',
      total: 24,
      success: 23,
      failed: 1,
      iterations: 12,
      rps: 16,
      latency: {},
      errors: { http_503: 1 },
      sessions: { configured: 2, created: 2, failed_to_create: 0 },
      timeline: [],
    }) as unknown as RunReport;
}

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function setup(options: { limiter?: FailureLimiter; running?: boolean; reload?: () => Promise<ProxyReload> } = {}) {
  const control = new RunControl();
  const live = new StandIn();
  if (options.running !== false) attachLiveRun(control, live);
  if (options.reload !== undefined) attachProxyReload(control, options.reload);
  const app = buildControlApp({ control, token: TOKEN, version: '0.0.0-test', eventIntervalMs: 5, ...(options.limiter ? { limiter: options.limiter } : {}) });
  apps.push(app);
  return { app, control, live };
}

describe('control API: authentication', () => {
  it('answers 401 without a token, with a wrong one, with another scheme, or with the token in the query string: the same answer each time', async () => {
    const { app } = setup();
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/v1/status' }),
      app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: 'Bearer wrong' } }),
      app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: `Basic ${TOKEN}` } }),
      app.inject({ method: 'GET', url: `/v1/status?token=${TOKEN}&access_token=${TOKEN}` }),
      app.inject({ method: 'GET', url: '/v1/nothing-here' }),
    ]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.json()).toEqual({ error: { code: 'SE_ERR_RUNNER_CONTROL_UNAUTHORIZED', message: 'unauthorized' } });
    }
    expect((await app.inject({ method: 'GET', url: '/v1/status', headers: auth })).statusCode).toBe(200);
    // Any case of the scheme, as HTTP allows.
    expect((await app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('refuses an address for a minute after 10 failures within a minute (429 even with the token); other addresses are not affected', async () => {
    let now = 1_000_000;
    const { app } = setup({ limiter: new FailureLimiter({ now: () => now }) });
    const from = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/v1/status', remoteAddress, headers });
    for (let i = 0; i < 10; i++) expect((await from('10.0.0.1')).statusCode).toBe(401);
    const blocked = await from('10.0.0.1', auth);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('SE_ERR_RUNNER_CONTROL_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBe(60);
    expect((await from('10.0.0.2', auth)).statusCode).toBe(200);
    now += 60_001;
    expect((await from('10.0.0.1', auth)).statusCode).toBe(200);
    // Failures spread over more than a minute do not add up.
    for (let i = 0; i < 9; i++) await from('10.0.0.3');
    now += 60_000;
    for (let i = 0; i < 9; i++) await from('10.0.0.3');
    expect((await from('10.0.0.3', auth)).statusCode).toBe(200);
  });
});

describe('control API: bodies', () => {
  it('answers 413 to a body over 64 KiB', async () => {
    const { app, live } = setup();
    const payload = JSON.stringify({ sessions: 3, padding: 'x'.repeat(CONTROL_BODY_LIMIT) });
    const answer = await app.inject({ method: 'PATCH', url: '/v1/run', headers: { ...auth, 'content-type': 'application/json' }, payload });
    expect(answer.statusCode).toBe(413);
    expect(answer.json().error.code).toBe('SE_ERR_RUNNER_CONTROL_BODY_TOO_LARGE');
    expect(live.changes).toEqual([]);
  });

  it('answers 400 naming an unknown field, and with the config\'s own message for a bad value; nothing is applied', async () => {
    const { app, live } = setup();
    const patch = (payload: unknown) => app.inject({ method: 'PATCH', url: '/v1/run', headers: auth, payload: payload as Record<string, unknown> });
    const unknown = await patch({ sessions: 3, sesions: 4 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({
      code: 'SE_ERR_RUNNER_INVALID_ARGUMENT',
      issues: [{ field: 'sesions', message: 'unknown field "sesions"; the fields are sessions, rate, paused, log_level' }],
    });
    const bad = await patch({ sessions: 0, log_level: 'loud' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues).toEqual([
      { field: 'sessions', message: 'must be a whole number ≥ 1, e.g. 500; got 0 (number)' },
      { field: 'log_level', message: 'must be one of "debug", "info", "warn", "error"; got "loud"' },
    ]);
    const empty = await app.inject({ method: 'PATCH', url: '/v1/run', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.issues[0].message).toContain('the body must be a JSON object');
    const poisoned = await app.inject({ method: 'PATCH', url: '/v1/run', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' });
    expect(poisoned.statusCode).toBe(400);
    const notObject = await app.inject({ method: 'PATCH', url: '/v1/run', headers: { ...auth, 'content-type': 'application/json' }, payload: '[1]' });
    expect(notObject.statusCode).toBe(400);
    const malformed = await app.inject({ method: 'PATCH', url: '/v1/run', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"sessions":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('SE_ERR_RUNNER_INVALID_ARGUMENT');
    expect(live.changes).toEqual([]);
  });

  it('applies a good change and answers the new status; a conflict is 409', async () => {
    const { app, live } = setup();
    const ok = await app.inject({ method: 'PATCH', url: '/v1/run', headers: auth, payload: { sessions: 5, paused: true, log_level: 'debug' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().sessions.target).toBe(5);
    expect(live.changes).toEqual([{ sessions: 5, paused: true, log_level: 'debug' }]);
    const conflict = await app.inject({ method: 'PATCH', url: '/v1/run', headers: auth, payload: { rate: 100 } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('SE_ERR_RUNNER_CONTROL_CONFLICT');
  });

  it('stops with the configured grace, or the one given; refuses an unknown field', async () => {
    const { app, live } = setup();
    const plain = await app.inject({ method: 'POST', url: '/v1/stop', headers: { ...auth, 'content-type': 'application/json' } });
    expect(plain.statusCode).toBe(202);
    expect(plain.json()).toEqual({ state: 'stopping', graceful_stop_ms: 30_000 });
    const given = await app.inject({ method: 'POST', url: '/v1/stop', headers: auth, payload: { graceful_stop: '5s' } });
    expect(given.json()).toEqual({ state: 'stopping', graceful_stop_ms: 5_000 });
    expect(live.stops).toEqual([undefined, 5_000]);
    const bad = await app.inject({ method: 'POST', url: '/v1/stop', headers: auth, payload: { grace: '5s' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].field).toBe('grace');
  });

  it('answers 409 while the run is not running', async () => {
    const { app } = setup({ running: false });
    const answer = await app.inject({ method: 'GET', url: '/v1/status', headers: auth });
    expect(answer.statusCode).toBe(409);
    expect(answer.json().error.code).toBe('SE_ERR_RUNNER_CONTROL_NOT_RUNNING');
  });

  it('answers 404 with the list of endpoints for an unknown one (after authentication)', async () => {
    const { app } = setup();
    const answer = await app.inject({ method: 'GET', url: '/v1/nothing-here', headers: auth });
    expect(answer.statusCode).toBe(404);
    expect(answer.json().error.message).toContain('GET /v1/status');
  });
});

describe('control API: the dashboard page', () => {
  it('serves GET / without a token: a page with no data, a strict CSP, and nothing loaded from elsewhere', async () => {
    const { app } = setup();
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(page.payload).toContain(`<script nonce="${nonce}">`);
    // No script or stylesheet from a URL, and no figures of the run.
    expect(page.payload).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    expect(page.payload).not.toContain('"totals"');
    // Every other path still needs the token.
    expect((await app.inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(401);
  });
});

describe('control API: events', () => {
  it('streams a status event, then more, and an end event when the run stops being steerable', async () => {
    const { app, control } = setup();
    let sent = 0;
    const original = control.status.bind(control);
    control.status = () => {
      sent += 1;
      const status = original();
      // After the third status, the run ends: the stream sends `end` and closes.
      if (sent === 3) attachLiveRun(control, undefined);
      return status;
    };
    const answer = await app.inject({ method: 'GET', url: '/v1/events', headers: auth });
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = answer.payload.split('\n\n').filter((block) => block.trim() !== '');
    const names = events.map((block) => /event: (\w+)/.exec(block)?.[1]);
    expect(names).toEqual(['status', 'status', 'status', 'end']);
    const first = events[0]?.split('\n').find((line) => line.startsWith('data: '))?.slice(6) ?? '';
    expect(JSON.parse(first)).toEqual(statusOf());
  });
});

describe('control API: the OpenAPI document', () => {
  it('is OpenAPI 3.1, lists exactly the served endpoints, and its schemas accept the real responses', async () => {
    const { app } = setup();
    const document = (await app.inject({ method: 'GET', url: '/v1/openapi.json', headers: auth })).json();
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual([
      'GET /',
      'GET /v1/events',
      'GET /v1/openapi.json',
      'GET /v1/report',
      'GET /v1/status',
      'PATCH /v1/run',
      'POST /v1/proxies/reload',
      'POST /v1/stop',
    ]);
    for (const entry of documented) {
      const [method, url] = entry.split(' ') as [string, string];
      expect(app.hasRoute({ method: method as 'GET', url })).toBe(true);
      if (url === '/v1/events' || url === '/' || method !== 'GET') continue;
      expect((await app.inject({ method: method as 'GET', url })).statusCode).toBe(401);
    }

    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'control', components: document.components }, 'control');
    const valid = (name: string, value: unknown): boolean => {
      const check = ajv.getSchema(`control#/components/schemas/${name}`);
      if (check === undefined) throw new Error(`no schema ${name}`);
      const ok = check(value) as boolean;
      if (!ok) throw new Error(`${name}: ${JSON.stringify(check.errors)}`);
      return ok;
    };
    expect(valid('RunStatus', (await app.inject({ method: 'GET', url: '/v1/status', headers: auth })).json())).toBe(true);
    expect(valid('RunStatus', (await app.inject({ method: 'PATCH', url: '/v1/run', headers: auth, payload: { sessions: 3 } })).json())).toBe(true);
    expect(valid('Report', (await app.inject({ method: 'GET', url: '/v1/report', headers: auth })).json())).toBe(true);
    expect(valid('StopResponse', (await app.inject({ method: 'POST', url: '/v1/stop', headers: auth, payload: { graceful_stop: '1s' } })).json())).toBe(true);
    const withProxies = setup({ reload: async () => ({ file: '/etc/proxies.txt', count: 2, added: 1, removed: 1 }) }).app;
    expect(valid('ProxyReload', (await withProxies.inject({ method: 'POST', url: '/v1/proxies/reload', headers: auth })).json())).toBe(true);
    expect(valid('Error', (await app.inject({ method: 'GET', url: '/v1/status' })).json())).toBe(true);
    expect(valid('Error', (await app.inject({ method: 'PATCH', url: '/v1/run', headers: auth, payload: { x: 1 } })).json())).toBe(true);
    // Request bodies as clients write them.
    expect(valid('RunChange', { sessions: 60, rate: 500, paused: false, log_level: 'warn' })).toBe(true);
    expect(valid('StopRequest', { graceful_stop: '5s' })).toBe(true);
    expect(() => valid('RunChange', { sesions: 60 })).toThrow(/additionalProperties/);
  });
});

describe('control API: proxy reload', () => {
  it('reads the proxy file again (as SIGHUP) and answers with the list now', async () => {
    let reloads = 0;
    const { app } = setup({
      reload: async () => {
        reloads++;
        return { file: '/etc/proxies.txt', count: 3, added: 1, removed: 2 };
      },
    });
    const answer = await app.inject({ method: 'POST', url: '/v1/proxies/reload', headers: auth });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ file: '/etc/proxies.txt', count: 3, added: 1, removed: 2 });
    expect(reloads).toBe(1);
    // Like every endpoint: nothing happens without the token.
    expect((await app.inject({ method: 'POST', url: '/v1/proxies/reload' })).statusCode).toBe(401);
    expect(reloads).toBe(1);
  });

  it('answers 409 when the run has no proxy file, and 422 (the list stays) when the file is wrong now', async () => {
    const none = await setup().app.inject({ method: 'POST', url: '/v1/proxies/reload', headers: auth });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('SE_ERR_RUNNER_NO_PROXY_FILE');

    const bad = setup({
      reload: () => Promise.reject(new ProxyFileError('/etc/proxies.txt', Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }))),
    }).app;
    const answer = await bad.inject({ method: 'POST', url: '/v1/proxies/reload', headers: auth });
    expect(answer.statusCode).toBe(422);
    expect(answer.json().error).toMatchObject({ code: 'SE_ERR_PROXY_FILE' });
    expect(answer.json().error.message).toMatch(/cannot read proxy file "\/etc\/proxies\.txt".*the current proxy list stays/);
  });
});
