import { afterEach, describe, expect, it } from 'vitest';
import { countsAgainstProxy, failureKind, isNeverSentKind } from '@session-engine/failures';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../src/index.js';
import { get, rejection, within } from './request.js';
import { Servers } from './servers.js';

const servers = new Servers();
const clients: HttpClient[] = [];

function client(options: HttpClientOptions): HttpClient {
  const created = createHttpClient(options);
  clients.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await servers.closeAll();
});

const auth = { username: 'us er', password: 'p@ss:word' };
const credentials = `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`;
const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;

describe('HTTP proxy', () => {
  it('tunnels an http target with CONNECT by default, over one kept-alive tunnel', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, connections: 1 });
    for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(proxy.seen.connects).toEqual([target.url.replace('http://', '')]);
    expect(proxy.seen.forwarded).toEqual([]);
    expect(target.sockets.accepted).toBe(1);
  });

  it('forwards an http target with an absolute URI when proxyTunnel is false', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, proxyTunnel: false, connections: 1 });
    await get(c, `${target.url}/a`);
    await get(c, `${target.url}/b`);
    expect(proxy.seen.connects).toEqual([]);
    expect(proxy.seen.forwarded).toEqual([`${target.url}/a`, `${target.url}/b`]);
    // Pool options apply to the forwarding client too: one kept-alive socket to the proxy.
    expect(proxy.sockets.accepted).toBe(1);
  });

  it('applies pool options to tunnels (keepAliveTimeout closes the idle tunnel)', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, keepAliveTimeout: 100, connections: 1 });
    await get(c, `${target.url}/`);
    await within(target.sockets.allClosed(), 2_000, 'idle tunnel close');
    expect(c.closed).toBe(false);
  });

  it('tunnels an https target (with insecureTls for the self-signed target)', async () => {
    const target = await servers.httpsTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}`, insecureTls: true });
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(proxy.seen.connects).toEqual([target.url.replace('https://', '')]);
  });

  it('sends the credentials as Basic Proxy-Authorization, tunnel and forward', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy({ auth });
    const tunnel = client({ proxy: `http://${credentials}127.0.0.1:${proxy.port}` });
    const forward = client({ proxy: `http://${credentials}127.0.0.1:${proxy.port}`, proxyTunnel: false });
    expect((await get(tunnel, `${target.url}/`)).body).toBe('ok');
    expect((await get(forward, `${target.url}/`)).body).toBe('ok');
    expect(proxy.seen.authHeaders).toEqual([basic, basic]);
  });

  it('accepts a ProxyEntry-like object and keeps it as client.proxy', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy({ auth });
    const entry = {
      url: `http://${credentials}127.0.0.1:${proxy.port}`,
      protocol: 'http' as const,
      host: '127.0.0.1',
      port: proxy.port,
      username: auth.username,
      password: auth.password,
      display: `http://***:***@127.0.0.1:${proxy.port}`,
    };
    const c = client({ proxy: entry });
    expect(c.proxy).toBe(entry);
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
  });

  it("surfaces a 407 as 'proxy_auth' (tunnel and forward)", async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy({ auth });
    const none = client({ proxy: `http://127.0.0.1:${proxy.port}` });
    const wrong = client({ proxy: `http://u:wrong@127.0.0.1:${proxy.port}`, proxyTunnel: false });
    expect(failureKind(await rejection(get(none, `${target.url}/`)))).toBe('proxy_auth');
    expect(failureKind(await rejection(get(wrong, `${target.url}/`)))).toBe('proxy_auth');
    expect(target.requests).toEqual([]);
  });

  it('reaches an https proxy over TLS', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy({ tls: true });
    const c = client({ proxy: `https://127.0.0.1:${proxy.port}`, insecureTls: true });
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
    expect(proxy.seen.connects).toHaveLength(1);
  });

  it('destroy() aborts a request in flight through the proxy', async () => {
    const target = await servers.httpTarget();
    const proxy = await servers.httpProxy();
    const c = client({ proxy: `http://127.0.0.1:${proxy.port}` });
    const inFlight = rejection(get(c, `${target.url}/hang`));
    while (target.hanging.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await c.destroy();
    expect((await inFlight).code).toBe('UND_ERR_DESTROYED');
    await proxy.sockets.allClosed();
  });
});

describe('SOCKS5 proxy', () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`reaches an ${scheme} target without credentials, one tunnel per kept-alive socket`, async () => {
      const target = scheme === 'http' ? await servers.httpTarget() : await servers.httpsTarget();
      const socks = await servers.socks5();
      const c = client({ proxy: `socks5://127.0.0.1:${socks.port}`, connections: 1, insecureTls: true });
      for (let i = 0; i < 3; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(socks.destinations).toEqual([target.url.replace(`${scheme}://`, '')]);
      expect(target.sockets.accepted).toBe(1);
    });

    it(`reaches an ${scheme} target with username and password`, async () => {
      const target = scheme === 'http' ? await servers.httpTarget() : await servers.httpsTarget();
      const socks = await servers.socks5({ auth });
      const c = client({ proxy: `socks5://${credentials}127.0.0.1:${socks.port}`, insecureTls: true });
      expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(socks.destinations).toHaveLength(1);
    });
  }

  it('applies pool options through the tunnel (keepAliveTimeout closes the idle tunnel)', async () => {
    const target = await servers.httpTarget();
    const socks = await servers.socks5();
    const c = client({ proxy: `socks5://127.0.0.1:${socks.port}`, keepAliveTimeout: 100 });
    await get(c, `${target.url}/`);
    await within(socks.sockets.allClosed(), 2_000, 'idle tunnel close');
    expect(c.closed).toBe(false);
  });

  it('sends host names to the proxy (remote DNS)', async () => {
    const target = await servers.httpTarget();
    const socks = await servers.socks5();
    const c = client({ proxy: `socks5://127.0.0.1:${socks.port}` });
    const url = target.url.replace('127.0.0.1', 'localhost');
    expect((await get(c, `${url}/`)).body).toBe('ok');
    expect(socks.destinations).toEqual([url.replace('http://', '')]);
  });

  it("classifies rejected credentials as 'proxy_auth'", async () => {
    const target = await servers.httpTarget();
    const socks = await servers.socks5({ auth });
    const c = client({ proxy: `socks5://u:wrong@127.0.0.1:${socks.port}` });
    const error = await rejection(get(c, `${target.url}/`));
    expect(error.code).toBe('SE_ERR_PROXY_AUTH');
    expect(failureKind(error)).toBe('proxy_auth');
    expect(error.message).not.toContain('wrong');
  });

  // As a dead HTTP proxy (undici's ProxyAgent): nothing was sent, so it is retried (a POST too) and blamed on the proxy.
  it('fails a request through an unreachable proxy as the connection failure it is (ECONNREFUSED: never sent, against the proxy)', async () => {
    const target = await servers.httpTarget();
    const port = await servers.closedPort();
    const error = await rejection(get(client({ proxy: `socks5://127.0.0.1:${port}` }), `${target.url}/`));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(failureKind(error)).toBe('ECONNREFUSED');
    expect([isNeverSentKind(failureKind(error)), countsAgainstProxy(failureKind(error))]).toEqual([true, true]);
    const viaHttp = await rejection(get(client({ proxy: `http://127.0.0.1:${port}` }), `${target.url}/`));
    expect(failureKind(viaHttp)).toBe(failureKind(error));
  });

  it("classifies a refused destination as 'proxy_connect'", async () => {
    const socks = await servers.socks5();
    const port = await servers.closedPort();
    const error = await rejection(get(client({ proxy: `socks5://127.0.0.1:${socks.port}` }), `http://127.0.0.1:${port}/`));
    expect(failureKind(error)).toBe('proxy_connect');
  });

  it('fails a request through a silent proxy (no handshake answer) as a connect timeout after connectTimeout', async () => {
    const target = await servers.httpTarget();
    const silent = await servers.silent();
    const c = client({ proxy: `socks5://127.0.0.1:${silent.port}`, connectTimeout: 200 });
    const error = await rejection(get(c, `${target.url}/`));
    expect(error.code).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(error.message).toMatch(/no tunnel to 127\.0\.0\.1:\d+ within 200 ms/);
    expect(failureKind(error)).toBe('UND_ERR_CONNECT_TIMEOUT');
    await silent.sockets.allClosed();
  });

  it('destroy() cuts a SOCKS handshake in progress', async () => {
    const target = await servers.httpTarget();
    const silent = await servers.silent();
    const c = client({ proxy: `socks5://127.0.0.1:${silent.port}`, connectTimeout: 600_000 });
    const inFlight = rejection(get(c, `${target.url}/`));
    while (silent.sockets.accepted === 0) await new Promise((resolve) => setImmediate(resolve));
    await c.destroy();
    expect((await inFlight).code).toBe('UND_ERR_DESTROYED');
    // Without the abort the socket would live until the 10-minute timeout (and this test time out).
    await silent.sockets.allClosed();
  });

  it('close() leaves no socket open at the proxy', async () => {
    const target = await servers.httpTarget();
    const socks = await servers.socks5();
    const c = client({ proxy: `socks5://127.0.0.1:${socks.port}` });
    await get(c, `${target.url}/`);
    expect(socks.sockets.open.size).toBe(1);
    await c.close();
    await socks.sockets.allClosed();
    await target.sockets.allClosed();
  });
});

describe('SOCKS4 proxy', () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`reaches an ${scheme} target and sends the user id`, async () => {
      const target = scheme === 'http' ? await servers.httpTarget() : await servers.httpsTarget();
      const socks = await servers.socks4();
      const c = client({ proxy: `socks4://alice@127.0.0.1:${socks.port}`, connections: 1, insecureTls: true });
      for (let i = 0; i < 2; i++) expect((await get(c, `${target.url}/`)).body).toBe('ok');
      expect(socks.seen).toEqual([{ userId: 'alice', destination: target.url.replace(`${scheme}://`, '') }]);
    });
  }

  it('uses SOCKS4a for host names', async () => {
    const target = await servers.httpTarget();
    const socks = await servers.socks4();
    const c = client({ proxy: `socks4://127.0.0.1:${socks.port}` });
    const url = target.url.replace('127.0.0.1', 'localhost');
    expect((await get(c, `${url}/`)).body).toBe('ok');
    expect(socks.seen).toEqual([{ userId: '', destination: url.replace('http://', '') }]);
  });

  it("classifies a rejected request as 'proxy_connect'", async () => {
    const socks = await servers.socks4();
    const port = await servers.closedPort();
    const error = await rejection(get(client({ proxy: `socks4://127.0.0.1:${socks.port}` }), `http://127.0.0.1:${port}/`));
    expect(failureKind(error)).toBe('proxy_connect');
  });
});
