/**
 * A request that could not reach its proxy (nothing was sent) moves the
 * session to another healthy proxy at once, so the retry goes out elsewhere.
 * Real sockets on 127.0.0.1: a dead port, real HTTP proxies (npm `proxy`),
 * the real client factory and ProxyManager.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpClient } from '@session-engine/client-factory';
import { failureKind } from '@session-engine/failures';
import { ProxyManager } from '@session-engine/proxy';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { Session, SessionManager, SessionRequestError, type SessionProxy } from '../src/index.js';
import { closedPort, startServer, testConfig } from './helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP proxy; `refuse` answers every CONNECT with 502 (kind proxy_connect: it was reached). */
async function startProxy(refuse = false): Promise<string> {
  const base = createServer();
  if (refuse) base.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
  const server = refuse ? base : createProxy(base);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function deadProxy(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}

/** Sets `sid` on /login; answers every request with the cookie header it got. */
async function target(): Promise<string> {
  const server = await startServer((req, res) => {
    if (req.url === '/login') res.setHeader('set-cookie', 'sid=s3ss10n; Path=/');
    res.end(req.headers.cookie ?? '');
  });
  cleanups.push(() => server.close());
  return server.url;
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return failureKind(error);
  }
}

function proxyOf(url: string): SessionProxy {
  return { url, display: url };
}

describe('Session onProxyUnreachable', () => {
  function session(proxy: SessionProxy | undefined, baseUrl: string, calls: string[], throws?: Error): Session<SessionProxy> {
    const client = createHttpClient({ ...(proxy === undefined ? {} : { proxy: proxy.url }), connections: 1, requestTimeout: 0 });
    const s = new Session<SessionProxy>({
      id: 3,
      client,
      ...(proxy === undefined ? {} : { proxy }),
      baseUrl,
      proxyHealth: { reportFailure: (p) => void calls.push(`reportFailure ${p.url}`) },
      onProxyUnreachable: (p) => {
        calls.push(`unreachable ${p.url}`);
        if (throws !== undefined) throw throws;
      },
    });
    cleanups.push(() => s.close({ force: true }));
    return s;
  }

  it('is told, after the failure was reported, when a request could not connect to its proxy', async () => {
    const proxy = proxyOf(await deadProxy());
    const calls: string[] = [];
    const s = session(proxy, await target(), calls);
    expect(await kindOf(s.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect(calls).toEqual([`reportFailure ${proxy.url}`, `unreachable ${proxy.url}`]);
  });

  it('is not told when the proxy was reached (it refused the tunnel) or when there is no proxy', async () => {
    const refusing = proxyOf(await startProxy(true));
    const calls: string[] = [];
    // proxy_connect counts against the proxy, but the proxy answered: not "never sent".
    expect(await kindOf(session(refusing, await target(), calls).request({ path: '/' }))).toBe('proxy_connect');
    expect(calls).toEqual([`reportFailure ${refusing.url}`]);

    const direct: string[] = [];
    expect(await kindOf(session(undefined, `http://127.0.0.1:${await closedPort()}`, direct).request({ path: '/' }))).toBe('ECONNREFUSED');
    expect(direct).toEqual([]);
  });

  it('a throwing hook leaves the request its own error, the hook error attached', async () => {
    const proxy = proxyOf(await deadProxy());
    const hookFailure = new Error('move failed');
    const s = session(proxy, await target(), [], hookFailure);
    const error = await s.request({ path: '/' }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SessionRequestError);
    expect((error as SessionRequestError).causeCode).toBe('ECONNREFUSED');
    expect((error as SessionRequestError).hookError).toMatchObject({ code: 'SE_ERR_SESSION_HOOK', hook: 'onProxyUnreachable', cause: hookFailure });
  });
});

describe('SessionManager: a session leaves a proxy it could not reach', () => {
  function sessionsFor(targetUrl: string, proxies: ProxyManager): SessionManager {
    const manager = new SessionManager({ config: testConfig({ target_url: targetUrl }), proxies });
    cleanups.push(() => manager.stopAll({ force: true }));
    return manager;
  }

  it('moves to the next healthy proxy before its circuit opens, keeping its cookies', async () => {
    const url = await target();
    const [dead, live] = [await deadProxy(), await startProxy()];
    // The default breaker: three failures in a row open a circuit. With its weight, the rotation's
    // next pick after session 1's would be the dead proxy again: the session must get the other one.
    const proxies = ProxyManager.fromText(`${dead} weight=3\n${live}`);
    const sessions = sessionsFor(url, proxies);
    await sessions.createSessions(1);
    const s1 = sessions.get(1) as Session;
    expect(s1.proxy?.url).toBe(dead);
    s1.cookieJar.setCookieSync('sid=kept; Path=/', url);

    expect(await kindOf(s1.request({ path: '/' }))).toBe('ECONNREFUSED');
    // The next request (the scheduler's retry) goes through the live proxy, with the same jar.
    expect(s1.proxy?.url).toBe(live);
    expect(s1.parked).toBe(false);
    expect((await s1.request({ path: '/' })).text()).toBe('sid=kept');
    expect(proxies.report().map((row) => [row.requests, row.failed, row.failovers, row.circuit])).toEqual([
      [1, 1, 1, 'closed'],
      [1, 0, 0, 'closed'],
    ]);
  });

  it('stays on its proxy when no other one is healthy, and waits once the circuit opens, as before', async () => {
    const url = await target();
    const [dead, other] = [await deadProxy(), await deadProxy()];
    const proxies = ProxyManager.fromText(`${dead}\n${other}`, { maxFailures: 2 });
    // The other proxy is down already (its circuit open).
    const down = proxies.healthy()[1]!;
    proxies.reportFailure(down);
    proxies.reportFailure(down);
    expect(proxies.healthy().map((entry) => entry.url)).toEqual([dead]);
    const sessions = sessionsFor(url, proxies);
    await sessions.createSessions(1);
    const s1 = sessions.get(1) as Session;
    expect(s1.proxy?.url).toBe(dead);

    expect(await kindOf(s1.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect([s1.proxy?.url, s1.parked]).toEqual([dead, false]);
    // The second failure opens its circuit: with nowhere to go, the session is parked.
    expect(await kindOf(s1.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect([s1.proxy?.url, s1.parked]).toEqual([dead, true]);
    expect(await kindOf(s1.request({ path: '/' }))).toBe('no_healthy_proxy');
    expect(proxies.report()[0]).toMatchObject({ requests: 2, failed: 2, failovers: 0, circuit: 'open' });
  });

  it('moves once when the same failure also opens the circuit', async () => {
    const url = await target();
    const [dead, live] = [await deadProxy(), await startProxy()];
    const proxies = ProxyManager.fromText(`${dead}\n${live}`, { maxFailures: 1 });
    const sessions = sessionsFor(url, proxies);
    await sessions.createSessions(1);
    const s1 = sessions.get(1) as Session;

    expect(await kindOf(s1.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect(s1.proxy?.url).toBe(live);
    expect(await kindOf(s1.request({ path: '/' }))).toBe('ok');
    expect(proxies.report().map((row) => [row.failovers, row.circuit])).toEqual([
      [1, 'open'],
      [0, 'closed'],
    ]);
  });
});
