import { describe, expect, it } from 'vitest';
import { RequestContext } from '../src/job-context.js';
import type { RequestHost } from '../src/job-context.js';
import { backoffDelay, isRetryableError, parseRetryAfter } from '../src/retry.js';
import { ExpectationError, RequestFailedError } from '../src/index.js';
import { FakeSession, MetricsRecorder, VirtualClock, networkError } from './fakes.js';
import type { FakeReply } from './fakes.js';

function setup(replies: FakeReply[], overrides: Partial<RequestHost> & { intendedStart?: number } = {}) {
  const clock = new VirtualClock();
  const metrics = new MetricsRecorder();
  const session = new FakeSession(1, clock);
  session.reply = (n) => replies[Math.min(n, replies.length) - 1] ?? { status: 200 };
  const pauses: number[] = [];
  const host: RequestHost = {
    metrics,
    maxRetries: 3,
    baseDelay: 100,
    maxDelay: 5_000,
    maxRetryAfter: 30_000,
    halted: false,
    signal: new AbortController().signal,
    now: clock.now,
    wallNow: () => Date.UTC(2030, 0, 1, 0, 0, 0),
    random: () => 0.5,
    pause: (ms) => {
      pauses.push(ms);
      return clock.sleep(ms);
    },
    ...overrides,
  };
  const ctx = new RequestContext(host, session, 1, overrides.intendedStart ?? 0);
  return { clock, metrics, session, pauses, ctx, host };
}

describe('ctx.request: outcomes', () => {
  it('records a 2xx as success with status, latency, bytes and step, and returns the response', async () => {
    const { clock, metrics, ctx } = setup([{ status: 201, body: 'hello', latency: 25 }]);
    const res = await clock.run(ctx.request({ path: '/x' }, { step: 'create' }));
    expect(res.status).toBe(201);
    expect(metrics.requests).toEqual([
      { outcome: 'success', status: 201, latencyMicros: 25_000, bytes: 5, step: 'create' },
    ]);
    expect(metrics.retries).toBe(0);
  });

  it('returns a 5xx/4xx response without throwing and records failure kind http_<status>', async () => {
    const { clock, metrics, ctx } = setup([{ status: 500 }, { status: 404 }]);
    expect((await clock.run(ctx.request({}))).status).toBe(500);
    expect((await clock.run(ctx.request({}))).status).toBe(404);
    expect(metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([
      ['failure', 'http_500', 500],
      ['failure', 'http_404', 404],
    ]);
    expect(metrics.retries).toBe(0); // 500 is not a retryable status
  });

  it('throws ExpectationError and records kind expectation when expectStatus is not met', async () => {
    const { clock, metrics, ctx } = setup([{ status: 200 }, { status: 302 }]);
    const error = await clock.run(ctx.request({}, { expectStatus: [201, 204], step: 'login' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpectationError);
    expect(error).toMatchObject({ code: 'SE_ERR_SCHEDULER_EXPECTATION', status: 200, expected: [201, 204], step: 'login' });
    expect((await clock.run(ctx.request({}, { expectStatus: 302 }))).status).toBe(302);
    expect(metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([
      ['failure', 'expectation', 200],
      ['success', 'expected', 302],
    ]);
  });

  it('counts an expected status outside 2xx/3xx as a success', async () => {
    const { clock, metrics, ctx } = setup([{ status: 404 }, { status: 404 }]);
    expect((await clock.run(ctx.request({}, { expectStatus: [200, 404] }))).status).toBe(404);
    expect((await clock.run(ctx.request({}))).status).toBe(404);
    expect(metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([
      ['success', 'expected', 404],
      ['failure', 'http_404', 404],
    ]);
  });

  it('measures the first request from intendedStart and later ones from their own start', async () => {
    const { clock, metrics, ctx } = setup([{ latency: 5 }], { intendedStart: -30 });
    await clock.run(ctx.request({}));
    await clock.run(ctx.request({}));
    expect(metrics.requests.map((r) => r.latencyMicros)).toEqual([35_000, 5_000]);
  });
});

describe('ctx.request: retries', () => {
  it('retries network errors of idempotent methods; only the final outcome counts', async () => {
    const { clock, metrics, session, ctx } = setup([{ error: networkError() }, { error: networkError('ECONNRESET') }, { status: 200 }]);
    const res = await clock.run(ctx.request({ method: 'get' }));
    expect(res.status).toBe(200);
    expect(session.requests).toHaveLength(3);
    expect(metrics.retries).toBe(2);
    expect(metrics.requests).toHaveLength(1);
    expect(metrics.requests[0]?.outcome).toBe('success');
    // The recorded latency spans every attempt and back-off: 3 x 10 ms + 50 + 100.
    expect(metrics.requests[0]?.latencyMicros).toBe(180_000);
  });

  it('gives up after max_retries with RequestFailedError and one failure of the transport kind', async () => {
    const { clock, metrics, session, ctx } = setup([{ error: networkError('ECONNREFUSED') }]);
    const error = await clock.run(ctx.request({}, { step: 's' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestFailedError);
    expect(error).toMatchObject({ code: 'SE_ERR_SCHEDULER_REQUEST_FAILED', kind: 'ECONNREFUSED', attempts: 4, step: 's' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(session.requests).toHaveLength(4);
    expect(metrics.retries).toBe(3);
    expect(metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([['failure', 'ECONNREFUSED', 0]]);
  });

  it('backs off exponentially with full jitter, capped', async () => {
    const { clock, pauses, ctx } = setup([{ error: networkError() }], { random: () => 0.5, maxDelay: 300 });
    await clock.run(ctx.request({})).catch(() => undefined);
    // 0.5 x min(300, 100 x 2^attempt)
    expect(pauses).toEqual([50, 100, 150]);
  });

  it('retries 429 and 503 honouring Retry-After seconds and HTTP dates, capped', async () => {
    const wall = Date.UTC(2030, 0, 1, 0, 0, 0);
    const date = new Date(wall + 3_000).toUTCString();
    const { clock, pauses, metrics, ctx } = setup(
      [
        { status: 503, headers: { 'retry-after': '2' } },
        { status: 429, headers: { 'retry-after': date } },
        { status: 429, headers: { 'retry-after': '3600' } },
        { status: 200 },
      ],
      { maxRetryAfter: 10_000 },
    );
    expect((await clock.run(ctx.request({}))).status).toBe(200);
    expect(pauses).toEqual([2_000, 3_000, 10_000]);
    expect(metrics.retries).toBe(3);
    expect(metrics.requests).toHaveLength(1);
  });

  it('records the last 429 as http_429 when retries run out', async () => {
    const { clock, metrics, ctx } = setup([{ status: 429 }]);
    expect((await clock.run(ctx.request({}))).status).toBe(429);
    expect(metrics.retries).toBe(3);
    expect(metrics.requests.map((r) => r.kind)).toEqual(['http_429']);
  });

  it('does not retry a non-idempotent request that may have reached the target, unless retry: true', async () => {
    const a = setup([{ error: networkError('ECONNRESET') }, { status: 200 }]);
    await expect(a.clock.run(a.ctx.request({ method: 'POST' }))).rejects.toMatchObject({ attempts: 1, kind: 'ECONNRESET' });
    expect(a.metrics.retries).toBe(0);
    expect(a.session.requests).toHaveLength(1);

    // Refused: the POST never left, so sending it again cannot apply it twice.
    const refused = setup([{ error: networkError('ECONNREFUSED') }, { status: 201 }]);
    expect((await refused.clock.run(refused.ctx.request({ method: 'POST' }))).status).toBe(201);
    expect(refused.metrics.retries).toBe(1);
    expect(refused.session.requests).toHaveLength(2);

    const b = setup([{ status: 503 }, { status: 200 }]);
    expect((await b.clock.run(b.ctx.request({ method: 'PATCH' }))).status).toBe(503);
    expect(b.metrics.retries).toBe(0);

    const c = setup([{ error: networkError() }, { status: 200 }]);
    expect((await c.clock.run(c.ctx.request({ method: 'POST' }, { retry: true }))).status).toBe(200);
    expect(c.metrics.retries).toBe(1);

    const d = setup([{ error: networkError() }, { status: 200 }]);
    await expect(d.clock.run(d.ctx.request({ method: 'GET' }, { retry: false }))).rejects.toBeInstanceOf(RequestFailedError);
    expect(d.metrics.retries).toBe(0);
  });

  it('does not retry errors that would fail again (closed session, bad request) or caller aborts', async () => {
    const closed = Object.assign(new Error('closed'), { code: 'SE_ERR_SESSION_CLOSED' });
    const aborted = Object.assign(new Error('aborted'), { code: 'SE_ERR_SESSION_REQUEST', causeCode: 'aborted' });
    for (const error of [closed, aborted]) {
      const { clock, metrics, ctx } = setup([{ error }]);
      await expect(clock.run(ctx.request({}))).rejects.toBeInstanceOf(RequestFailedError);
      expect(metrics.retries).toBe(0);
    }
  });

  it('never retries proxy_auth, TLS certificate errors, invalid requests or a closed session', async () => {
    const requestError = (causeCode: string): Error =>
      Object.assign(new Error(causeCode), { code: 'SE_ERR_SESSION_REQUEST', causeCode });
    const errors = [
      requestError('proxy_auth'),
      requestError('proxy_connect'),
      requestError('DEPTH_ZERO_SELF_SIGNED_CERT'),
      requestError('SELF_SIGNED_CERT_IN_CHAIN'),
      requestError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      requestError('CERT_HAS_EXPIRED'),
      requestError('ERR_TLS_CERT_ALTNAME_INVALID'),
      requestError('UND_ERR_INVALID_ARG'),
      requestError('SE_ERR_SESSION_CLOSED'), // the session was destroyed under the request
      Object.assign(new Error('bad'), { code: 'SE_ERR_SESSION_INVALID_REQUEST' }),
      Object.assign(new Error('closed'), { code: 'SE_ERR_SESSION_CLOSED' }),
      new TypeError('not a request'),
    ];
    for (const error of errors) {
      const { clock, metrics, session, ctx } = setup([{ error }, { status: 200 }]);
      const failure = await clock.run(ctx.request({})).catch((e: unknown) => e);
      expect(failure, String(error)).toMatchObject({ code: 'SE_ERR_SCHEDULER_REQUEST_FAILED', attempts: 1 });
      expect(session.requests).toHaveLength(1);
      expect(metrics.retries).toBe(0);
    }
  });

  it('retries only the allow-listed kinds: refused, reset, closed before a response, timeouts', async () => {
    const retried = ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'];
    for (const causeCode of retried) {
      const { clock, metrics, ctx } = setup([{ error: networkError(causeCode) }, { status: 200 }]);
      expect((await clock.run(ctx.request({}))).status).toBe(200);
      expect(metrics.retries, causeCode).toBe(1);
    }
    const timeout = Object.assign(new Error('t'), { code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout' });
    const { clock, metrics, ctx } = setup([{ error: timeout }, { status: 200 }]);
    expect((await clock.run(ctx.request({}))).status).toBe(200);
    expect(metrics.retries).toBe(1);
  });

  it('checks expectStatus first: an expected 503 or 429 is a success, never retried', async () => {
    const a = setup([{ status: 503, headers: { 'retry-after': '2' } }, { status: 200 }]);
    expect((await a.clock.run(a.ctx.request({}, { expectStatus: [503], step: 'down' })))).toMatchObject({ status: 503 });
    expect(a.session.requests).toHaveLength(1);
    expect(a.pauses).toEqual([]);
    expect(a.metrics.retries).toBe(0);
    expect(a.metrics.requests.map((r) => [r.outcome, r.kind, r.status, r.step])).toEqual([['success', 'expected', 503, 'down']]);

    const b = setup([{ status: 429 }, { status: 200 }]);
    expect((await b.clock.run(b.ctx.request({}, { expectStatus: 429 }))).status).toBe(429);
    expect(b.session.requests).toHaveLength(1);
    expect(b.metrics.retries).toBe(0);
  });

  it('still retries a 503 the expectation does not list, then fails the expectation', async () => {
    const a = setup([{ status: 503 }, { status: 200 }]);
    expect((await a.clock.run(a.ctx.request({}, { expectStatus: 200 }))).status).toBe(200);
    expect(a.metrics.retries).toBe(1);
    expect(a.metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([['success', 'expected', 200]]);

    const b = setup([{ status: 503 }]);
    await expect(b.clock.run(b.ctx.request({}, { expectStatus: 200 }))).rejects.toBeInstanceOf(ExpectationError);
    expect(b.metrics.retries).toBe(3);
    expect(b.metrics.requests.map((r) => [r.outcome, r.kind, r.status])).toEqual([['failure', 'expectation', 503]]);
  });

  it('does not retry once the run is halted', async () => {
    const { clock, metrics, ctx } = setup([{ error: networkError() }], { halted: true });
    await expect(clock.run(ctx.request({}))).rejects.toMatchObject({ attempts: 1 });
    expect(metrics.retries).toBe(0);
  });
});

describe('ctx.request: when the run stops', () => {
  it('exposes the run signal as ctx.signal', () => {
    const controller = new AbortController();
    const { ctx } = setup([], { signal: controller.signal });
    expect(ctx.signal).toBe(controller.signal);
  });

  it('records a request cut off by the hard stop (session closed, aborted) as kind interrupted', async () => {
    const closed = Object.assign(new Error('session 1 is closed'), { code: 'SE_ERR_SESSION_CLOSED' });
    const aborted = Object.assign(new Error('aborted'), { code: 'SE_ERR_SESSION_REQUEST', causeCode: 'aborted' });
    const hardStop = new AbortController();
    hardStop.abort();
    for (const error of [closed, aborted]) {
      const { clock, metrics, ctx } = setup([{ error }], { halted: true, signal: hardStop.signal });
      await expect(clock.run(ctx.request({}, { step: 's' }))).rejects.toMatchObject({ kind: 'interrupted' });
      expect(metrics.requests.at(-1)).toMatchObject({ outcome: 'failure', kind: 'interrupted', step: 's' });
    }
  });

  it('keeps the real kind for a closed session before the hard stop, and for a network failure even after it', async () => {
    const closed = Object.assign(new Error('session 1 is closed'), { code: 'SE_ERR_SESSION_CLOSED' });
    const graceful = setup([{ error: closed }], { halted: true });
    await expect(graceful.clock.run(graceful.ctx.request({}))).rejects.toMatchObject({ kind: 'session_closed' });
    const hardStop = new AbortController();
    hardStop.abort();
    const { clock, metrics, ctx } = setup([{ error: networkError() }], { halted: true, signal: hardStop.signal });
    await expect(clock.run(ctx.request({}))).rejects.toMatchObject({ kind: 'ECONNREFUSED' });
    expect(metrics.requests.at(-1)).toMatchObject({ kind: 'ECONNREFUSED' });
  });

  it('sends its last attempt at once when the run stops during a back-off', async () => {
    const { clock, metrics, session, ctx, host } = setup([{ error: networkError() }, { status: 200 }]);
    const mutable = host as { halted: boolean; pause: RequestHost['pause'] };
    mutable.pause = () => {
      mutable.halted = true; // the stop arrives while the session waits to retry
      return Promise.resolve();
    };
    const response = await clock.run(ctx.request({}));
    expect(response.status).toBe(200);
    expect(session.requests).toHaveLength(2);
    expect(metrics.retries).toBe(1);
  });

  it('sends no further attempt when the hard stop comes during a retry back-off', async () => {
    const hardStop = new AbortController();
    const { clock, metrics, session, ctx, host } = setup([{ error: networkError() }], { signal: hardStop.signal });
    const mutable = host as { halted: boolean; pause: RequestHost['pause'] };
    mutable.pause = () => {
      mutable.halted = true;
      hardStop.abort(); // graceful_stop ran out while the session waited to retry
      return Promise.resolve();
    };
    await expect(clock.run(ctx.request({}))).rejects.toMatchObject({ kind: 'interrupted', attempts: 1 });
    expect(session.requests).toHaveLength(1);
    expect(metrics.retries).toBe(1);
    expect(metrics.requests.at(-1)).toMatchObject({ kind: 'interrupted' });
  });
});

describe('retry helpers', () => {
  it('backoffDelay stays within [0, min(max, base x 2^attempt))', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(5_000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, 100, 5_000, () => 0)).toBe(0);
      expect(backoffDelay(attempt, 100, 5_000, () => 0.999_999)).toBeLessThan(ceiling);
      expect(backoffDelay(attempt, 100, 5_000, () => 0.999_999)).toBeGreaterThan(ceiling * 0.99);
    }
  });

  it('parseRetryAfter reads seconds and dates, clamps to [0, cap], ignores junk', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(parseRetryAfter('5', now, 60_000)).toBe(5_000);
    expect(parseRetryAfter(['7', '9'], now, 60_000)).toBe(7_000);
    expect(parseRetryAfter(new Date(now + 1_500).toUTCString(), now, 60_000)).toBe(1_000); // HTTP dates have 1 s resolution
    expect(parseRetryAfter(new Date(now - 5_000).toUTCString(), now, 60_000)).toBe(0);
    expect(parseRetryAfter('120', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('soon', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter(undefined, now, 60_000)).toBeUndefined();
  });

  it('isRetryableError repeats a non-idempotent request only when it never left', () => {
    expect(isRetryableError(networkError('ECONNREFUSED'), false)).toBe(true);
    expect(isRetryableError(networkError('UND_ERR_CONNECT_TIMEOUT'), false)).toBe(true);
    expect(isRetryableError(networkError('ECONNRESET'), false)).toBe(false);
    expect(isRetryableError(networkError('UND_ERR_SOCKET'), false)).toBe(false);
    expect(isRetryableError(Object.assign(new Error('t'), { code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout' }), false)).toBe(false);
  });

  it('isRetryableError accepts session transport errors, timeouts and raw network codes only', () => {
    expect(isRetryableError(networkError())).toBe(true);
    expect(isRetryableError(Object.assign(new Error('t'), { code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('r'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('b'), { code: 'SE_ERR_SESSION_INVALID_REQUEST' }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('a'), { code: 'SE_ERR_SESSION_REQUEST', causeCode: 'proxy_auth' }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('c'), { code: 'SE_ERR_SESSION_REQUEST', causeCode: 'CERT_HAS_EXPIRED' }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('d'), { code: 'ENOTFOUND' }))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError(undefined)).toBe(false);
  });
});
