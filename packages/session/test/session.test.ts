import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidRequestError,
  InvalidStateTransitionError,
  ResponseJsonError,
  Session,
  SessionClosedError,
  SessionRequestError,
  SessionTimeoutError,
  type SessionOptions,
  type SessionProxy,
} from '../src/index.js';
import { closedPort, startServer, testClient, type TestServer, type TrackedClient } from './helpers.js';

let server: TestServer | undefined;
const sessions: Session<SessionProxy>[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await server?.close();
  server = undefined;
});

function newSession(options: Partial<SessionOptions<SessionProxy>> = {}): Session<SessionProxy> {
  const session = new Session<SessionProxy>({ id: 1, client: testClient(), baseUrl: server?.url, ...options });
  sessions.push(session);
  return session;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Replies with what the server received: method, url, headers, body. */
async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body }));
}

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  body: string;
}

describe('Session requests', () => {
  it('applies config headers, then session overrides, then request headers (request wins, any case)', async () => {
    server = await startServer((req, res) => void echo(req, res));
    const session = newSession({
      headers: [
        { 'User-Agent': 'from-config', 'X-Config': 'c', 'X-Shared': 'config' },
        { 'x-shared': 'session', 'X-Session': 's' },
      ],
    });
    expect(session.headers).toEqual({ 'user-agent': 'from-config', 'x-config': 'c', 'x-shared': 'session', 'x-session': 's' });

    const res = await session.request({ path: '/h', headers: { 'USER-AGENT': 'from-request' } });
    const seen = res.json<Echo>();
    expect(seen.headers['user-agent']).toBe('from-request');
    expect(seen.headers['x-config']).toBe('c');
    expect(seen.headers['x-shared']).toBe('session');
    expect(seen.headers['x-session']).toBe('s');
    // Sent once, not once per layer.
    expect(seen.rawHeaders.filter((name) => name.toLowerCase() === 'user-agent')).toHaveLength(1);
  });

  it('resolves path against the base URL, lets an absolute url win, and uses the base URL when neither is given', async () => {
    server = await startServer((req, res) => void echo(req, res));
    const session = newSession({ baseUrl: `${server.url}/base/` });
    expect((await session.request({ path: 'rel?q=1' })).json<Echo>().url).toBe('/base/rel?q=1');
    expect((await session.request({ path: '/abs' })).json<Echo>().url).toBe('/abs');
    expect((await session.request({ url: `${server.url}/other`, path: '/ignored' })).json<Echo>().url).toBe('/other');
    expect((await session.request({})).json<Echo>().url).toBe('/base/');
  });

  it('rejects a path without a base URL, and non-http URLs, with SE_ERR_SESSION_INVALID_REQUEST', async () => {
    const session = newSession({ baseUrl: undefined });
    await expect(session.request({ path: '/x' })).rejects.toMatchObject({
      name: 'InvalidRequestError',
      code: 'SE_ERR_SESSION_INVALID_REQUEST',
    });
    await expect(session.request({})).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(session.request({ url: 'ftp://127.0.0.1/x' })).rejects.toThrow(/unsupported protocol/);
    await expect(session.request({ url: 'not a url' })).rejects.toThrow(/invalid URL/);
  });

  it('sends json with a JSON content-type, a string body as is, and upper-cases the method', async () => {
    server = await startServer((req, res) => void echo(req, res));
    const session = newSession();
    const posted = (await session.request({ method: 'post', path: '/j', json: { a: [1, 2] } })).json<Echo>();
    expect(posted.method).toBe('POST');
    expect(posted.headers['content-type']).toBe('application/json');
    expect(JSON.parse(posted.body)).toEqual({ a: [1, 2] });

    const custom = (
      await session.request({ method: 'PUT', path: '/j', json: 1, headers: { 'Content-Type': 'application/vnd.x+json' } })
    ).json<Echo>();
    expect(custom.headers['content-type']).toBe('application/vnd.x+json');

    const raw = (await session.request({ method: 'POST', path: '/b', body: Buffer.from('raw-bytes') })).json<Echo>();
    expect(raw.body).toBe('raw-bytes');
  });

  it('returns status, lower-case headers, body, bytes and text()', async () => {
    server = await startServer((_req, res) => {
      res.statusCode = 201;
      res.setHeader('X-Thing', 'yes');
      res.end('héllo');
    });
    const res = await newSession().request({ path: '/' });
    expect(res.status).toBe(201);
    expect(res.headers['x-thing']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual([]);
    expect(res.text()).toBe('héllo');
    expect(res.bytes).toBe(Buffer.byteLength('héllo'));
    expect(res.body.equals(Buffer.from('héllo'))).toBe(true);
    expect(res.url).toBe(`${server.url}/`);
  });

  it('json() names the URL and status when the body is not JSON', async () => {
    server = await startServer((_req, res) => res.end('<html>'));
    const res = await newSession().request({ path: '/page' });
    expect(() => res.json()).toThrow(ResponseJsonError);
    expect(() => res.json()).toThrow(`${server.url}/page`);
    expect(() => res.json()).toThrow(
      expect.objectContaining({ code: 'SE_ERR_SESSION_BAD_JSON', status: 200, url: `${server.url}/page`, cause: expect.any(SyntaxError) }),
    );
  });
});

describe('Session cookies', () => {
  function cookieServer(): Promise<TestServer> {
    return startServer((req, res) => {
      if (req.url?.startsWith('/login') === true) {
        const user = new URL(req.url, 'http://x').searchParams.get('user') ?? 'anon';
        res.setHeader('Set-Cookie', [`user=${user}; Path=/`, 'theme=dark; Path=/', 'lang=en; Path=/; HttpOnly']);
        res.end('ok');
        return;
      }
      if (req.url === '/one') {
        res.setHeader('Set-Cookie', 'single=1; Path=/');
        res.end('ok');
        return;
      }
      if (req.url === '/foreign') {
        res.setHeader('Set-Cookie', ['bad=1; Domain=example.com', 'good=1; Path=/']);
        res.end('ok');
        return;
      }
      res.end(req.headers.cookie ?? '');
    });
  }

  it('stores every Set-Cookie of one response and sends them all back', async () => {
    server = await cookieServer();
    const session = newSession();
    const login = await session.request({ path: '/login?user=alice' });
    expect(login.headers['set-cookie']).toHaveLength(3);
    const cookies = (await session.request({ path: '/me' })).text().split('; ').sort();
    expect(cookies).toEqual(['lang=en', 'theme=dark', 'user=alice']);
  });

  it('exposes a single Set-Cookie as a one-element array and stores it', async () => {
    server = await cookieServer();
    const session = newSession();
    expect((await session.request({ path: '/one' })).headers['set-cookie']).toEqual(['single=1; Path=/']);
    expect((await session.request({ path: '/me' })).text()).toBe('single=1');
  });

  it('ignores a cookie for a foreign domain instead of failing the request, keeping the others', async () => {
    server = await cookieServer();
    const session = newSession();
    expect((await session.request({ path: '/foreign' })).status).toBe(200);
    expect((await session.request({ path: '/me' })).text()).toBe('good=1');
  });

  it('keeps each session in its own jar: the server sees only that session`s cookie', async () => {
    server = await cookieServer();
    const alice = newSession({ id: 1 });
    const bob = newSession({ id: 2 });
    await alice.request({ path: '/login?user=alice' });
    await bob.request({ path: '/login?user=bob' });
    expect((await alice.request({ path: '/me' })).text()).toContain('user=alice');
    expect((await alice.request({ path: '/me' })).text()).not.toContain('bob');
    expect((await bob.request({ path: '/me' })).text()).toContain('user=bob');
    expect((await bob.request({ path: '/me' })).text()).not.toContain('alice');
  });

  it('sends jar cookies before an explicit cookie header, and none when the jar is empty', async () => {
    server = await cookieServer();
    const session = newSession();
    expect((await session.request({ path: '/me' })).text()).toBe('');
    expect((await session.request({ path: '/me', headers: { Cookie: 'manual=1' } })).text()).toBe('manual=1');
    await session.request({ path: '/one' });
    expect((await session.request({ path: '/me', headers: { cookie: 'manual=1' } })).text()).toBe('single=1; manual=1');
  });
});

describe('Session connections', () => {
  it('reuses one keep-alive socket across sequential requests (the body is always consumed)', async () => {
    server = await startServer((_req, res) => res.end('x'.repeat(10_000)));
    const session = newSession();
    for (let i = 0; i < 5; i++) await session.request({ path: `/r${i}` });
    expect(server.connections()).toBe(1);
  });

  it('a large body the caller never reads does not stall the next request', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'a');
    server = await startServer((req, res) => res.end(req.url === '/big' ? big : 'small'));
    const session = newSession({ requestTimeout: 15_000 });
    const first = await session.request({ path: '/big' });
    expect(first.bytes).toBe(big.length);
    expect((await session.request({ path: '/small' })).text()).toBe('small');
    expect(server.connections()).toBe(1);
    expect(session.stats.bytes).toBe(big.length + 'small'.length);
  });

  it('wraps a transport error with session id, method, URL and the original code', async () => {
    const port = await closedPort();
    const session = newSession({ id: 7, baseUrl: `http://127.0.0.1:${port}` });
    const error = await session.request({ method: 'POST', path: '/x', body: 'b' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).toMatchObject({
      code: 'SE_ERR_SESSION_REQUEST',
      sessionId: 7,
      method: 'POST',
      url: `http://127.0.0.1:${port}/x`,
      causeCode: 'ECONNREFUSED',
    });
    const message = (error as Error).message;
    expect(message).toContain('session 7');
    expect(message).toContain(`POST http://127.0.0.1:${port}/x`);
    // The original error is kept, not only its code.
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(session.consecutiveFailures).toBe(1);
    expect(session.stats).toEqual({ requests: 1, failures: 1, bytes: 0 });
  });

  it('masks URL credentials in error messages', async () => {
    const port = await closedPort();
    const session = newSession();
    const error = await session.request({ url: `http://user:secret@127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('secret');
    expect((error as SessionRequestError).url).not.toContain('secret');
  });

  it('masks URL credentials in the response url and its json() error', async () => {
    server = await startServer((_req, res) => res.end('not json'));
    const session = newSession();
    const res = await session.request({ url: `http://user:secret@127.0.0.1:${server.port}/x` });
    expect(res.url).toBe(`http://***@127.0.0.1:${server.port}/x`);
    expect(() => res.json()).toThrow(/\*\*\*@127/);
  });

  it('lets a request already sent finish during a graceful close, and refuses the next one', async () => {
    server = await startServer((_req, res) => res.end('done'));
    const session = newSession();
    const pending = session.request({ path: '/' });
    const closing = session.close();
    expect((await pending).text()).toBe('done');
    await expect(session.request({ path: '/' })).rejects.toBeInstanceOf(SessionClosedError);
    await closing;
  });

  it('times out a request whose response never comes (requestTimeout), as a failure', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const session = newSession({ requestTimeout: 150 });
    const error = await session.request({ path: '/hang' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionTimeoutError);
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).toMatchObject({ code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout', timeout: 150, sessionId: 1 });
    expect(session.consecutiveFailures).toBe(1);
  });

  it('times out a body that stalls after the headers', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const session = newSession({ requestTimeout: 150 });
    await expect(session.request({ path: '/slow-body' })).rejects.toBeInstanceOf(SessionTimeoutError);
  });

  it('a caller abort is a SessionRequestError with causeCode "aborted" and not a failure', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const session = newSession();
    const controller = new AbortController();
    const pending = session.request({ path: '/hang', signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).not.toBeInstanceOf(SessionTimeoutError);
    expect(error).toMatchObject({ code: 'SE_ERR_SESSION_REQUEST', causeCode: 'aborted' });
    expect(session.consecutiveFailures).toBe(0);
    expect(session.stats.failures).toBe(0);

    const already = AbortSignal.abort();
    await expect(session.request({ path: '/hang', signal: already })).rejects.toMatchObject({ causeCode: 'aborted' });
  });

  it('counts consecutive failures: 5xx and transport errors increment, a success resets', async () => {
    server = await startServer((req, res) => {
      res.statusCode = req.url === '/fail' ? 503 : req.url === '/missing' ? 404 : 200;
      res.end('abc');
    });
    const session = newSession();
    const failed = await session.request({ path: '/fail' });
    expect(failed.status).toBe(503);
    await session.request({ path: '/fail' });
    expect(session.consecutiveFailures).toBe(2);
    await session.request({ path: '/missing' });
    expect(session.consecutiveFailures).toBe(0);
    await session.request({ path: '/fail' });
    expect(session.consecutiveFailures).toBe(1);
    await session.request({ path: '/ok' });
    expect(session.consecutiveFailures).toBe(0);
    expect(session.stats).toEqual({ requests: 5, failures: 3, bytes: 15 });
  });

  it('updates lastActivity from its clock when a request finishes', async () => {
    server = await startServer((_req, res) => res.end());
    let clock = 1_000;
    const session = newSession({ now: () => clock });
    expect(session.createdAt).toBe(1_000);
    expect(session.lastActivity).toBe(1_000);
    clock = 2_500;
    await session.request({ path: '/' });
    expect(session.lastActivity).toBe(2_500);
    expect(session.createdAt).toBe(1_000);
  });
});

describe('Session lifecycle', () => {
  function fakeClient(closeImpl?: () => Promise<void>): TrackedClient {
    const client = testClient();
    if (closeImpl !== undefined) {
      client.close = async () => {
        client.closed++;
        await closeImpl();
      };
    }
    return client;
  }

  it('goes idle -> active -> paused -> active -> closed', async () => {
    const session = newSession({ client: fakeClient() });
    expect(session.state).toBe('idle');
    session.activate();
    expect(session.state).toBe('active');
    session.pause();
    expect(session.state).toBe('paused');
    session.resume();
    expect(session.state).toBe('active');
    await session.close();
    expect(session.state).toBe('closed');
  });

  it.each([
    ['pause', 'idle', 'paused'],
    ['resume', 'idle', 'active'],
  ] as const)('%s from %s throws InvalidStateTransitionError naming from and to', (method, from, to) => {
    const session = newSession({ client: fakeClient() });
    expect(() => session[method]()).toThrow(InvalidStateTransitionError);
    expect(() => session[method]()).toThrow(
      expect.objectContaining({
        code: 'SE_ERR_SESSION_STATE',
        from,
        to,
        sessionId: 1,
        message: expect.stringMatching(new RegExp(`"${from}".*"${to}"`)),
      }),
    );
    expect(session.state).toBe('idle');
  });

  it('rejects activate twice, resume while active and pause while paused', () => {
    const session = newSession({ client: fakeClient() });
    session.activate();
    expect(() => session.activate()).toThrow(expect.objectContaining({ from: 'active', to: 'active' }));
    expect(() => session.resume()).toThrow(expect.objectContaining({ from: 'active', to: 'active' }));
    session.pause();
    expect(() => session.pause()).toThrow(expect.objectContaining({ from: 'paused', to: 'paused' }));
    expect(() => session.activate()).toThrow(expect.objectContaining({ from: 'paused', to: 'active' }));
  });

  it('closes from any state, once: close is idempotent and every later transition throws', async () => {
    for (const prepare of [(): void => undefined, (s: Session<SessionProxy>): void => s.activate(), (s: Session<SessionProxy>): void => { s.activate(); s.pause(); }]) {
      const client = fakeClient();
      const session = newSession({ client });
      prepare(session);
      const first = session.close();
      expect(session.close()).toBe(first);
      await first;
      expect(client.closed).toBe(1);
      expect(session.state).toBe('closed');
      expect(() => session.activate()).toThrow(expect.objectContaining({ from: 'closed', to: 'active' }));
      expect(() => session.resume()).toThrow(InvalidStateTransitionError);
    }
  });

  it('close({ force }) aborts an in-flight request, which fails with causeCode session_closed', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const session = newSession({ requestTimeout: 0 });
    const pending = session.request({ path: '/hang' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server?.connections()).toBe(1));
    await session.close({ force: true });
    const error = await pending;
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).toMatchObject({ sessionId: 1, causeCode: 'session_closed' });
    await vi.waitFor(() => expect(server?.openSockets()).toBe(0), { timeout: 5_000, interval: 20 });
  });

  it('a forced close overtakes a graceful close that waits for a hanging request', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const client = testClient();
    const session = newSession({ client, requestTimeout: 0 });
    const pending = session.request({ path: '/hang' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server?.connections()).toBe(1));
    let gracefulDone = false;
    const graceful = session.close().then(() => {
      gracefulDone = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(gracefulDone).toBe(false);
    await session.close({ force: true });
    await graceful;
    expect(client.destroyed).toBe(1);
    expect(await pending).toBeInstanceOf(SessionRequestError);
  });

  it('refuses requests once closed with SessionClosedError', async () => {
    const session = newSession({ id: 3, client: fakeClient() });
    await session.close();
    const error = await session.request({ url: 'http://127.0.0.1:1/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionClosedError);
    expect(error).toMatchObject({ code: 'SE_ERR_SESSION_CLOSED', sessionId: 3 });
  });

  it('destroys the client when a graceful close fails, and still resolves', async () => {
    const client = fakeClient(() => Promise.reject(new Error('close failed')));
    const session = newSession({ client });
    await expect(session.close()).resolves.toBeUndefined();
    expect(client.destroyed).toBe(1);
  });

  it('keeps variables and proxy for the session', () => {
    const proxy = { url: 'http://u:p@proxy:8080', display: 'http://u:***@proxy:8080' };
    const session = newSession({ client: fakeClient(), proxy });
    session.variables.set('token', 'abc');
    expect(session.variables.get('token')).toBe('abc');
    expect(session.proxy).toBe(proxy);
  });
});
