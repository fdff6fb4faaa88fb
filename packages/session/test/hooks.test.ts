import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpClient } from '@session-engine/client-factory';
import { ProxyManager } from '@session-engine/proxy';
import { createProxy } from 'proxy';
import { CookieJar } from 'tough-cookie';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Session,
  SessionHookError,
  SessionManager,
  SessionRequestError,
  type ProxySource,
  type SessionProxy,
} from '../src/index.js';
import { ResponseCollector, type CollectorOwner } from '../src/response-collector.js';
import { resolveTarget } from '../src/request-url.js';
import { closedPort, settlement, startServer, testConfig } from './helpers.js';

// Code the session does not own runs while a request finishes: the cookie
// jar, the proxy health source and what it calls (ProxyManager's onUnhealthy).
// Whatever it throws, the request settles, and undici never sees the throw
// (it would emit it as an `error` event on the client, which nobody listens to).

const SETTLES_WITHIN = 2_000;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<number> {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An HTTP proxy that refuses every CONNECT with 502: a connection failure for the proxy's health. */
async function refusingProxy(): Promise<number> {
  const server = createServer();
  server.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
  return listen(server);
}

async function target(): Promise<string> {
  const server = await startServer((req, res) => {
    if (req.url === '/cookie') res.setHeader('set-cookie', 'a=1; Path=/');
    res.end('ok');
  });
  cleanups.push(() => server.close());
  return server.url;
}

describe('a throwing hook never leaves a request pending', () => {
  it('ProxyManager onUnhealthy throws: the request rejects with its own error, the hook error attached', async () => {
    const proxyPort = await refusingProxy();
    const hookFailure = new Error('onUnhealthy failed');
    let unhealthyCalls = 0;
    const proxies = ProxyManager.fromText(`http://127.0.0.1:${proxyPort}\n`, {
      maxFailures: 1,
      onUnhealthy: () => {
        unhealthyCalls++;
        throw hookFailure;
      },
    });
    const manager = new SessionManager({ config: testConfig({ target_url: await target(), request_timeout: 10_000 }), proxies });
    cleanups.push(() => manager.stopAll());
    await manager.createSessions(1);
    const session = manager.get(1)!;

    const first = await settlement(session.request({ path: '/' }), SETTLES_WITHIN);
    expect(first.status).toBe('rejected');
    const error = (first as PromiseRejectedResult).reason as SessionRequestError;
    // The request's outcome is what the transport said: retries and metrics classify it as before.
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error.causeCode).toBe('proxy_connect');
    expect(error.hookError).toBeInstanceOf(SessionHookError);
    expect(error.hookError).toMatchObject({ code: 'SE_ERR_SESSION_HOOK', hook: 'reportFailure', cause: hookFailure });
    expect(unhealthyCalls).toBe(1);

    // The session still works: the next request settles too, and is counted once.
    const second = await settlement(session.request({ path: '/' }), SETTLES_WITHIN);
    expect(second.status).toBe('rejected');
    expect(session.stats).toMatchObject({ requests: 2, failures: 2 });
  });

  it('reportSuccess throws: the response is not handed out, the request rejects with the hook error', async () => {
    const proxyServer = createProxy(createServer());
    const proxyPort = await listen(proxyServer);
    const proxy: SessionProxy = { url: `http://127.0.0.1:${proxyPort}`, display: `http://127.0.0.1:${proxyPort}` };
    const hookFailure = new Error('reportSuccess failed');
    const health: Pick<ProxySource, 'reportFailure' | 'reportSuccess'> = {
      reportSuccess: () => {
        throw hookFailure;
      },
    };
    const client = createHttpClient({ proxy: proxy.url, connections: 1, requestTimeout: 0 });
    const session = new Session<SessionProxy>({ id: 7, client, proxy, proxyHealth: health, baseUrl: await target() });
    cleanups.push(() => session.close({ force: true }));

    const result = await settlement(session.request({ path: '/' }), SETTLES_WITHIN);
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({
      name: 'SessionHookError',
      code: 'SE_ERR_SESSION_HOOK',
      hook: 'reportSuccess',
      sessionId: 7,
      cause: hookFailure,
    });
    // Counted once, as a failure.
    expect(session.stats).toMatchObject({ requests: 1, failures: 1 });
    expect(session.consecutiveFailures).toBe(1);
  });

  it('the cookie jar throws while storing a Set-Cookie: the request rejects with the hook error', async () => {
    const storeFailure = new Error('cookie store unavailable');
    class BrokenJar extends CookieJar {
      override setCookieSync(): undefined {
        throw storeFailure;
      }
    }
    const inner = createHttpClient({ connections: 1, requestTimeout: 0 });
    const client = { dispatcher: inner.dispatcher, cookieJar: new BrokenJar(), close: () => inner.close(), destroy: () => inner.destroy() };
    const session = new Session<SessionProxy>({ id: 3, client, baseUrl: await target() });
    cleanups.push(() => session.close({ force: true }));

    expect((await settlement(session.request({ path: '/' }), SETTLES_WITHIN)).status).toBe('fulfilled');
    const result = await settlement(session.request({ path: '/cookie' }), SETTLES_WITHIN);
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ hook: 'setCookie', cause: storeFailure });
    expect(session.stats).toMatchObject({ requests: 2, failures: 1 });
  });
});

describe('ResponseCollector', () => {
  it('rejects with what a throwing owner threw, and undici emits no error event', async () => {
    const port = await closedPort();
    const thrown = new Error('owner.fail is broken');
    const owner: CollectorOwner<string, null> = {
      complete: () => 'done',
      fail: () => {
        throw thrown;
      },
    };
    const client = new Client(`http://127.0.0.1:${port}`);
    cleanups.push(() => client.destroy());
    const emitted: unknown[] = [];
    (client as unknown as NodeJS.EventEmitter).on('error', (error: unknown) => emitted.push(error));
    const url = `http://127.0.0.1:${port}/`;
    const collector = new ResponseCollector(owner, null, 'GET', resolveTarget(url, undefined, undefined)!);
    const outcome = collector.start();
    client.dispatch({ origin: url, path: '/', method: 'GET' }, collector);

    const result = await settlement(outcome, SETTLES_WITHIN);
    expect(result).toEqual({ status: 'rejected', reason: thrown });
    expect(emitted).toEqual([]);
  });

  it('lets go of the response it collected once it settled (a promoted collector must not keep it alive)', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('set-cookie', 'a=1');
      res.end('body bytes');
    });
    cleanups.push(() => server.close());
    const client = new Client(server.url);
    cleanups.push(() => client.destroy());
    const owner: CollectorOwner<{ headers: number; body: string }, null> = {
      // What the owner builds from the collector is the caller's; the collector keeps none of it.
      complete: (c) => ({ headers: c.rawHeaders.length, body: c.body().toString() }),
      fail: (_c, error) => error,
    };
    const collector = new ResponseCollector(owner, null, 'GET', resolveTarget(`${server.url}/`, undefined, undefined)!);
    collector.request = { path: '/' };
    const outcome = collector.start();
    client.dispatch({ origin: server.url, path: '/', method: 'GET' }, collector);

    const result = await settlement(outcome, SETTLES_WITHIN);
    expect(result).toMatchObject({ status: 'fulfilled', value: { body: 'body bytes' } });
    expect((result as PromiseFulfilledResult<{ headers: number }>).value.headers).toBeGreaterThan(0);
    expect(collector.rawHeaders).toHaveLength(0);
    expect(collector.body()).toHaveLength(0);
    expect(collector.request).toBeUndefined();
  });
});
