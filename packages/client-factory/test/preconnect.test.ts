import { afterEach, describe, expect, it } from 'vitest';
import { failureKind } from '@session-engine/failures';
import { createHttpClient, type HttpClient } from '../src/index.js';
import { get, rejection, within } from './request.js';
import { Servers, type SocketLog } from './servers.js';

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

/** Waits until the server has accepted `n` sockets (its 'connection' may come a tick after the client's connect). */
async function accepted(log: SocketLog, n: number): Promise<void> {
  const wait = (async () => {
    while (log.accepted < n) await new Promise((resolve) => setTimeout(resolve, 5));
  })();
  await within(wait, 2_000, `${n} accepted socket(s)`);
}

describe('preconnect, direct', () => {
  for (const connections of [1, 200]) {
    it(`http, connections ${connections}: the first requests use the pre-opened socket`, async () => {
      const target = await servers.httpTarget();
      const c = client({ connections });
      expect(await c.preconnect(`${target.url}/some/path`)).toBe(true);
      await accepted(target.sockets, 1);
      expect(target.requests).toHaveLength(0);
      for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(target.requests).toHaveLength(3);
      expect(target.sockets.accepted).toBe(1);
    });
  }

  it('https: the first requests use the pre-opened TLS socket, and a reconnect resumes its TLS session', async () => {
    const target = await servers.httpsTarget();
    const c = client({ connections: 1, insecureTls: true });
    expect(await c.preconnect(new URL(target.url))).toBe(true);
    await accepted(target.sockets, 1);
    for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(target.sockets.accepted).toBe(1);
    // The server closes that connection; the next one resumes the session the pre-connect cached for this client.
    await get(c, `${target.url}/close`);
    await get(c, `${target.url}/`);
    expect(target.sockets.accepted).toBe(2);
    expect(target.requests.at(-1)?.resumed).toBe(true);
  });

  for (const connections of [1, 200]) {
    it(`connections ${connections}: a request made while the pre-connect is still connecting waits for it instead of connecting again`, async () => {
      const target = await servers.httpTarget();
      const c = client({ connections });
      const preconnected = c.preconnect(target.url);
      expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(await preconnected).toBe(true);
      expect(target.sockets.accepted).toBe(1);
    });
  }

  it("a pre-opened socket is never handed to another client", async () => {
    const target = await servers.httpTarget();
    const a = client({ connections: 1 });
    const b = client({ connections: 1 });
    await a.preconnect(target.url);
    await accepted(target.sockets, 1);
    await get(b, `${target.url}/`);
    expect(target.sockets.accepted).toBe(2);
    await get(a, `${target.url}/`);
    expect(target.sockets.accepted).toBe(2);
  });

  it('destroy() closes a pre-opened socket no request took', async () => {
    const target = await servers.httpTarget();
    const c = client();
    await c.preconnect(target.url);
    await accepted(target.sockets, 1);
    await c.destroy();
    await within(target.sockets.allClosed(), 2_000, 'pre-opened socket close');
  });

  it('close() closes a pre-opened socket no request took', async () => {
    const target = await servers.httpsTarget();
    const c = client({ insecureTls: true });
    await c.preconnect(target.url);
    await accepted(target.sockets, 1);
    await within(c.close(), 2_000, 'close');
    await within(target.sockets.allClosed(), 2_000, 'pre-opened socket close');
  });

  it('close() during a pre-connect ends it: it resolves false and its socket is closed', async () => {
    const target = await servers.httpTarget();
    const c = client();
    const preconnected = c.preconnect(target.url);
    await c.close();
    expect(await preconnected).toBe(false);
    await within(target.sockets.allClosed(), 2_000, 'pre-connect socket close');
    expect(await c.preconnect(target.url)).toBe(false);
  });

  it('a pre-opened socket idles at most keepAliveTimeout', async () => {
    const target = await servers.httpTarget();
    const c = client({ keepAliveTimeout: 100 });
    await c.preconnect(target.url);
    await accepted(target.sockets, 1);
    await within(target.sockets.allClosed(), 2_000, 'idle pre-opened socket close');
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(target.sockets.accepted).toBe(2);
  });

  it('a pre-opened socket the server closed is not used: the first request connects afresh', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 1 });
    await c.preconnect(target.url);
    await accepted(target.sockets, 1);
    target.sockets.destroyAll();
    await target.sockets.allClosed();
    // The FIN is on the loopback now; a turn of the event loop lets the client read it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(target.sockets.accepted).toBe(2);
  });

  it('opens nothing once the origin has its connection', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 1 });
    await get(c, `${target.url}/`);
    expect(await c.preconnect(target.url)).toBe(false);
    await get(c, `${target.url}/`);
    expect(target.sockets.accepted).toBe(1);
  });

  it('a pre-connect to a dead port rejects (ECONNREFUSED); the first request then fails as it would have', async () => {
    const port = await servers.closedPort();
    const c = client({ connections: 1 });
    const failed = await rejection(c.preconnect(`http://127.0.0.1:${port}`));
    expect(failureKind(failed)).toBe('ECONNREFUSED');
    const error = await rejection(get(c, `http://127.0.0.1:${port}/`));
    expect(failureKind(error)).toBe('ECONNREFUSED');
    expect(c.closed).toBe(false);
  });

  it('honours the connect timeout', async () => {
    const { port } = await servers.unaccepting();
    const c = client({ connectTimeout: 200 });
    const error = await within(rejection(c.preconnect(`http://127.0.0.1:${port}`)), 5_000, 'pre-connect timeout');
    expect(error.code).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  it('gives up at requestTimeout when that is shorter than the connect timeout, as a request would', async () => {
    const { port } = await servers.unaccepting();
    const c = client({ connectTimeout: 60_000, requestTimeout: 200 });
    const error = await within(rejection(c.preconnect(`http://127.0.0.1:${port}`)), 5_000, 'pre-connect deadline');
    expect(error.code).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  it('rejects a URL that is not http(s) with SE_ERR_CLIENT_INVALID_ARGUMENT', async () => {
    const c = client();
    expect((await rejection(c.preconnect('ftp://127.0.0.1/'))).code).toBe('SE_ERR_CLIENT_INVALID_ARGUMENT');
    expect((await rejection(c.preconnect('not a url'))).code).toBe('SE_ERR_CLIENT_INVALID_ARGUMENT');
  });
});

describe('preconnect, via proxies', () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`SOCKS5, ${scheme} target: one tunnel for the pre-connect and the first requests`, async () => {
      const target = scheme === 'http' ? await servers.httpTarget() : await servers.httpsTarget();
      const socks = await servers.socks5();
      const c = client({ proxy: `socks5://127.0.0.1:${socks.port}`, connections: 1, insecureTls: true });
      expect(await c.preconnect(target.url)).toBe(true);
      await accepted(target.sockets, 1);
      for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(socks.destinations).toHaveLength(1);
      expect(target.sockets.accepted).toBe(1);
    });
  }

  it('SOCKS5, https target: destroy() closes a pre-opened tunnel no request took', async () => {
    const target = await servers.httpsTarget();
    const socks = await servers.socks5();
    const c = client({ proxy: `socks5://127.0.0.1:${socks.port}`, insecureTls: true });
    expect(await c.preconnect(target.url)).toBe(true);
    await accepted(target.sockets, 1);
    await c.destroy();
    await within(socks.sockets.allClosed(), 2_000, 'tunnel close');
    await within(target.sockets.allClosed(), 2_000, 'target socket close');
  });

  for (const scheme of ['http', 'https'] as const) {
    it(`HTTP proxy, ${scheme} target: the tunnel is opened ahead and the first requests use it`, async () => {
      const target = scheme === 'http' ? await servers.httpTarget() : await servers.httpsTarget();
      const proxy = await servers.httpProxy();
      const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, connections: 200, insecureTls: true });
      expect(await c.preconnect(target.url)).toBe(true);
      await accepted(target.sockets, 1);
      expect(proxy.seen.connects).toEqual([target.url.replace(/^https?:\/\//, '')]);
      expect(target.requests).toHaveLength(0);
      for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(proxy.seen.connects).toHaveLength(1);
      expect(proxy.sockets.accepted).toBe(1);
      expect(target.sockets.accepted).toBe(1);
    });
  }

  it('HTTP proxy, forwarding (proxyTunnel false): the connection to the proxy is opened ahead and nothing is sent', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, proxyTunnel: false, connections: 1 });
    expect(await c.preconnect(target.url)).toBe(true);
    await accepted(proxy.sockets, 1);
    expect(proxy.seen.forwarded).toEqual([]);
    for (const path of ['/a', '/b']) expect((await get(c, `${target.url}${path}`)).body).toBe('ok');
    expect(proxy.seen.forwarded).toEqual([`${target.url}/a`, `${target.url}/b`]);
    expect(proxy.sockets.accepted).toBe(1);
  });

  it('HTTP proxy that is down: the pre-connect rejects with the connect error', async () => {
    const port = await servers.closedPort();
    const target = await servers.httpTarget();
    const c = client({ proxy: `http://127.0.0.1:${port}` });
    expect(failureKind(await rejection(c.preconnect(target.url)))).toBe('ECONNREFUSED');
    expect(target.sockets.accepted).toBe(0);
  });
});
