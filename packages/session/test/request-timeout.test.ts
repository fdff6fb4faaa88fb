import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '@session-engine/client-factory';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { Session, SessionRequestError, SessionTimeoutError, type SessionProxy } from '../src/index.js';
import { settlement, startServer, testClient, unacceptingListener, type UnacceptingListener } from './helpers.js';

// request_timeout covers the whole request, connecting included. Against a
// listener whose connects hang, undici alone would wait for its connect
// timeout (tls_handshake_timeout, 10 s by default) before failing anything.

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hanging(): Promise<UnacceptingListener> {
  const listener = await unacceptingListener();
  cleanups.push(() => listener.close());
  return listener;
}

function session(options: ConstructorParameters<typeof Session<SessionProxy>>[0]): Session<SessionProxy> {
  const created = new Session<SessionProxy>(options);
  cleanups.push(() => created.close({ force: true }));
  return created;
}

// Generous bounds far below the 10 s connect timeout: they check what bounds the request, not how fast it is.
const REQUEST_TIMEOUT = 500;
const WELL_BEFORE_CONNECT_TIMEOUT = 4_000;

describe('request_timeout while connecting', () => {
  it('fails a request whose connect hangs at the request timeout, as a timeout, and leaves nothing behind', async () => {
    const listener = await hanging();
    const client = testClient(1, { connectTimeout: 10_000 });
    const s = session({ id: 1, client, baseUrl: listener.url, requestTimeout: REQUEST_TIMEOUT });

    const result = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason as SessionTimeoutError;
    expect(error).toBeInstanceOf(SessionTimeoutError);
    expect(error).toMatchObject({ code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout', timeout: REQUEST_TIMEOUT });
    expect(error.cause).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(s.stats).toMatchObject({ requests: 1, failures: 1 });

    // The next request gets its own connect and its own full deadline, then times out the same way.
    const second = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(SessionTimeoutError);

    // Nothing is left waiting in undici: a graceful close has nothing to wait for.
    expect((await settlement(s.close(), 1_000)).status).toBe('fulfilled');
  });

  it('still settles at the deadline with a client that cannot abandon connects', async () => {
    const listener = await hanging();
    const inner = createHttpClient({ connections: 1, connectTimeout: 10_000, requestTimeout: 0 });
    const client = { dispatcher: inner.dispatcher, cookieJar: inner.cookieJar, close: () => inner.close(), destroy: (e?: Error) => inner.destroy(e) };
    const s = session({ id: 2, client, baseUrl: listener.url, requestTimeout: REQUEST_TIMEOUT });

    const result = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SessionTimeoutError);
  });

  it('keeps tls_handshake_timeout (the connect timeout) as the smaller bound when it is lower', async () => {
    const listener = await hanging();
    const client = testClient(1, { connectTimeout: 300 });
    const s = session({ id: 3, client, baseUrl: listener.url, requestTimeout: 10_000 });

    const result = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    const error = (result as PromiseRejectedResult).reason as SessionRequestError;
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).not.toBeInstanceOf(SessionTimeoutError);
    expect(error.causeCode).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  it('covers the proxy tunnel: a proxy that never accepts times out and is reported to proxy health', async () => {
    const proxyListener = await hanging();
    const target = await startServer((_req, res) => res.end('ok'));
    cleanups.push(() => target.close());
    const proxy: SessionProxy = { url: proxyListener.url, display: proxyListener.url };
    const failures: SessionProxy[] = [];
    const client = createHttpClient({ proxy: proxy.url, connections: 1, connectTimeout: 10_000, requestTimeout: 0 });
    const s = session({
      id: 4,
      client,
      proxy,
      proxyHealth: { reportFailure: (p) => void failures.push(p) },
      baseUrl: target.url,
      requestTimeout: REQUEST_TIMEOUT,
    });

    const result = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SessionTimeoutError);
    expect(failures).toEqual([proxy]);
    expect((await settlement(s.close(), 1_000)).status).toBe('fulfilled');
  });

  it('leaves a connected request to the usual deadline: a slow response still times out, the connection was made', async () => {
    const proxyServer = createProxy(createServer());
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxyServer.close(resolve)));
    const target = await startServer(() => undefined); // never answers
    cleanups.push(() => target.close());
    const proxyUrl = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
    const failures: SessionProxy[] = [];
    const proxy: SessionProxy = { url: proxyUrl, display: proxyUrl };
    const client = createHttpClient({ proxy: proxyUrl, connections: 1, requestTimeout: 0 });
    const s = session({ id: 5, client, proxy, proxyHealth: { reportFailure: (p) => void failures.push(p) }, baseUrl: target.url, requestTimeout: REQUEST_TIMEOUT });

    const result = await settlement(s.request({ path: '/' }), WELL_BEFORE_CONNECT_TIMEOUT);
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SessionTimeoutError);
    // The proxy did its job: a slow target is not the proxy's failure.
    expect(failures).toEqual([]);
    expect(target.connections()).toBe(1);
  });
});
