import { afterEach, describe, expect, it } from 'vitest';
import { failureKind } from '@session-engine/failures';
import { createHttpClient, type HttpClient } from '../src/index.js';
import { get, rejection, within } from './request.js';
import { Servers } from './servers.js';

const servers = new Servers();
const clients: HttpClient[] = [];

function client(options: Parameters<typeof createHttpClient>[0] = {}): HttpClient {
  const created = createHttpClient(options);
  clients.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await servers.closeAll();
});

describe('keep-alive', () => {
  it('reuses one socket across sequential requests with connections: 1', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 1 });
    for (let i = 0; i < 5; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(target.sockets.accepted).toBe(1);
  });

  it('with a pool (default 200) keeps sequential requests on at most two sockets', async () => {
    // undici's Pool marks a Client free on the next tick, so back-to-back
    // requests alternate between two sockets; they are still reused.
    const target = await servers.httpTarget();
    const c = client();
    for (let i = 0; i < 10; i++) await get(c, `${target.url}/`);
    expect(target.sockets.accepted).toBeGreaterThanOrEqual(1);
    expect(target.sockets.accepted).toBeLessThanOrEqual(2);
  });

  it('closes an idle socket after keepAliveTimeout', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 1, keepAliveTimeout: 100 });
    await get(c, `${target.url}/`);
    // The client drops the idle socket by itself (undici's default would wait ~3-4 s).
    await within(target.sockets.allClosed(), 2_000, 'idle socket close');
    expect(c.closed).toBe(false);
    await get(c, `${target.url}/`);
    expect(target.sockets.accepted).toBe(2);
  });

  it('opens up to `connections` sockets for concurrent requests', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 3 });
    await Promise.all(Array.from({ length: 9 }, () => get(c, `${target.url}/`)));
    expect(target.sockets.accepted).toBeLessThanOrEqual(3);
    expect(target.sockets.accepted).toBeGreaterThan(1);
  });
});

describe('isolation', () => {
  it('two clients never share a socket', async () => {
    const target = await servers.httpTarget();
    const a = client({ connections: 1 });
    const b = client({ connections: 1 });
    await get(a, `${target.url}/`);
    await get(b, `${target.url}/`);
    await get(a, `${target.url}/`);
    await get(b, `${target.url}/`);
    expect(target.sockets.accepted).toBe(2);
  });

  it('two clients never share a cookie', async () => {
    const target = await servers.httpTarget();
    const a = client();
    const b = client();
    expect(a.cookieJar).not.toBe(b.cookieJar);
    await get(a, `${target.url}/set-cookie`);
    await get(a, `${target.url}/echo`);
    await get(b, `${target.url}/echo`);
    expect(target.requests.map((r) => [r.path, r.cookie])).toEqual([
      ['/set-cookie', undefined],
      ['/echo', 'a=1; b=2'],
      ['/echo', undefined],
    ]);
  });
});

describe('TLS', () => {
  it('rejects a self-signed certificate unless insecureTls', async () => {
    const target = await servers.httpsTarget();
    const strict = client();
    const error = await rejection(get(strict, `${target.url}/`));
    expect(failureKind(error)).toMatch(/SELF_SIGNED/);

    const insecure = client({ insecureTls: true });
    expect((await get(insecure, `${target.url}/`)).body).toBe('ok');
  });

  it('resumes TLS sessions within a client, never across clients', async () => {
    const target = await servers.httpsTarget();
    const a = client({ insecureTls: true, connections: 1 });
    const b = client({ insecureTls: true, connections: 1 });
    // `/close` ends each connection, so every request needs a new handshake.
    await get(a, `${target.url}/close`);
    await get(a, `${target.url}/close`);
    await get(b, `${target.url}/close`);
    expect(target.requests.map((r) => r.resumed)).toEqual([false, true, false]);
  });
});

describe('close and destroy', () => {
  it('close() waits for in-flight requests, then the server sees every socket close', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 2 });
    await get(c, `${target.url}/`);
    const events: string[] = [];
    const inFlight = get(c, `${target.url}/hang`).then((r) => events.push(`response ${r.status}`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = c.close().then(() => events.push('closed'));
    expect(c.closed).toBe(true);
    target.hanging[0]?.end('late');
    await Promise.all([inFlight, closing]);
    expect(events).toEqual(['response 200', 'closed']);
    await target.sockets.allClosed();
    expect(target.sockets.open.size).toBe(0);
  });

  it('destroy() aborts an in-flight request with UND_ERR_DESTROYED and closes the socket', async () => {
    const target = await servers.httpTarget();
    const c = client();
    const inFlight = rejection(get(c, `${target.url}/hang`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await c.destroy();
    const error = await inFlight;
    expect(error.code).toBe('UND_ERR_DESTROYED');
    expect(failureKind(error)).toBe('UND_ERR_DESTROYED');
    await target.sockets.allClosed();
  });

  it('destroy(error) fails in-flight requests with that error', async () => {
    const target = await servers.httpTarget();
    const c = client();
    const inFlight = rejection(get(c, `${target.url}/hang`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('session stopped');
    await c.destroy(reason);
    expect(await inFlight).toBe(reason);
  });

  it('close() and destroy() are idempotent in any order', async () => {
    const target = await servers.httpTarget();
    const a = client();
    await get(a, `${target.url}/`);
    expect(target.sockets.open.size).toBe(1);
    // Neither call rejects, and together they close the client's socket.
    await expect(Promise.all([a.close(), a.close()])).resolves.toEqual([undefined, undefined]);
    expect(a.closed).toBe(true);
    await within(target.sockets.allClosed(), 2_000, 'socket close after close()');
    await expect(a.destroy()).resolves.toBeUndefined();
    await expect(a.close()).resolves.toBeUndefined();
    expect((await rejection(get(a, `${target.url}/`))).code).toBe('UND_ERR_DESTROYED');

    const b = client();
    await get(b, `${target.url}/`);
    const inFlight = rejection(get(b, `${target.url}/hang`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await expect(Promise.all([b.destroy(), b.destroy()])).resolves.toEqual([undefined, undefined]);
    expect((await within(inFlight, 2_000, 'abort of the request in flight')).code).toBe('UND_ERR_DESTROYED');
    await expect(b.close()).resolves.toBeUndefined();
    await within(target.sockets.allClosed(), 2_000, 'socket close after destroy()');
    expect(target.sockets.accepted).toBe(2);
  });

  it('destroy() during close() aborts the requests close() was waiting for', async () => {
    const target = await servers.httpTarget();
    const c = client();
    const inFlight = rejection(get(c, `${target.url}/hang`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = c.close();
    await c.destroy();
    await closing;
    expect((await inFlight).code).toBe('UND_ERR_DESTROYED');
  });

  it('rejects new requests after close()', async () => {
    const target = await servers.httpTarget();
    const c = client();
    await c.close();
    expect(failureKind(await rejection(get(c, `${target.url}/`)))).toBe('UND_ERR_DESTROYED');
  });
});

describe('errors are classified', () => {
  it('ECONNREFUSED for a closed port', async () => {
    const port = await servers.closedPort();
    const error = await rejection(get(client(), `http://127.0.0.1:${port}/`));
    expect(failureKind(error)).toBe('ECONNREFUSED');
  });

  it('UND_ERR_HEADERS_TIMEOUT when the server never answers', async () => {
    const target = await servers.httpTarget();
    const error = await rejection(get(client({ requestTimeout: 500 }), `${target.url}/hang`));
    expect(failureKind(error)).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('UND_ERR_BODY_TIMEOUT when the body stalls', async () => {
    const target = await servers.httpTarget();
    const error = await rejection(get(client({ requestTimeout: 500 }), `${target.url}/stall-body`));
    expect(failureKind(error)).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('UND_ERR_CONNECT_TIMEOUT when the TLS handshake stalls', async () => {
    const silent = await servers.silent();
    const error = await rejection(get(client({ connectTimeout: 300 }), `https://127.0.0.1:${silent.port}/`));
    expect(failureKind(error)).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  it("'timeout' for an AbortSignal.timeout deadline", async () => {
    const target = await servers.httpTarget();
    const error = await rejection(get(client(), `${target.url}/hang`, { signal: AbortSignal.timeout(50) }));
    expect(failureKind(error)).toBe('timeout');
  });
});
