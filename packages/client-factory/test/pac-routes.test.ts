/**
 * A PAC file picks the proxy per target origin: real targets, a real HTTP
 * proxy (npm `proxy`) and a real SOCKS5 server on 127.0.0.1; the PAC file is
 * evaluated by @session-engine/proxy (pac-resolver in QuickJS).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseProxyList } from '@session-engine/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../src/index.js';
import { get, rejection } from './request.js';
import { Servers } from './servers.js';

let servers: Servers;
let dir: string;
const clients: HttpClient[] = [];

beforeEach(async () => {
  servers = new Servers();
  dir = await mkdtemp(join(tmpdir(), 'se-pac-'));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await servers.closeAll();
  await rm(dir, { recursive: true, force: true });
});

async function pacEntry(script: string) {
  const file = join(dir, 'proxy.pac');
  await writeFile(file, script);
  return parseProxyList(`pac+${pathToFileURL(file).href}`)[0]!;
}

describe('createHttpClient with a PAC entry', () => {
  it('sends one target through the HTTP proxy, another through SOCKS5 and a third direct, one route per origin', async () => {
    const [viaHttp, viaSocks, direct] = [await servers.httpTarget(), await servers.httpTarget(), await servers.httpTarget()];
    const proxy = await servers.httpProxy();
    const socks = await servers.socks5();
    const port = (url: string): string => new URL(url).port;
    const entry = await pacEntry(`function FindProxyForURL(url, host) {
      if (url.indexOf(':${port(viaHttp.url)}/') >= 0) return 'PROXY 127.0.0.1:${proxy.port}';
      if (url.indexOf(':${port(viaSocks.url)}/') >= 0) return 'SOCKS5 127.0.0.1:${socks.port}';
      return 'DIRECT';
    }`);
    const client = createHttpClient({ proxy: entry, connections: 1 });
    clients.push(client);
    expect(client.proxy).toBe(entry);
    for (let i = 0; i < 3; i++) {
      for (const target of [viaHttp, viaSocks, direct]) expect((await get(client, `${target.url}/r${i}`)).status).toBe(200);
    }
    // One tunnel each (the route is kept per origin, the connection kept alive), none for the direct target.
    expect(proxy.seen.connects).toEqual([`127.0.0.1:${port(viaHttp.url)}`]);
    expect(socks.destinations).toEqual([`127.0.0.1:${port(viaSocks.url)}`]);
    expect([viaHttp, viaSocks, direct].map((target) => target.requests.length)).toEqual([3, 3, 3]);
  });

  it('pre-connects on the route chosen for the URL: through an HTTP proxy, SOCKS5 and direct', async () => {
    const [viaHttp, viaSocks, direct] = [await servers.httpTarget(), await servers.httpTarget(), await servers.httpTarget()];
    const proxy = await servers.httpProxy();
    const socks = await servers.socks5();
    const port = (url: string): string => new URL(url).port;
    const entry = await pacEntry(`function FindProxyForURL(url, host) {
      if (url.indexOf(':${port(viaHttp.url)}/') >= 0) return 'PROXY 127.0.0.1:${proxy.port}';
      if (url.indexOf(':${port(viaSocks.url)}/') >= 0) return 'SOCKS5 127.0.0.1:${socks.port}';
      return 'DIRECT';
    }`);
    const client = createHttpClient({ proxy: entry, connections: 1 });
    clients.push(client);
    const preconnected = await Promise.all([viaHttp, viaSocks, direct].map((target) => client.preconnect(`${target.url}/`)));
    expect(preconnected).toEqual([true, true, true]);
    expect(proxy.seen.connects).toEqual([`127.0.0.1:${port(viaHttp.url)}`]);
    expect(socks.destinations).toEqual([`127.0.0.1:${port(viaSocks.url)}`]);
    expect([viaHttp, viaSocks, direct].map((target) => target.requests.length)).toEqual([0, 0, 0]);
    for (let i = 0; i < 2; i++) {
      for (const target of [viaHttp, viaSocks, direct]) expect((await get(client, `${target.url}/r${i}`)).status).toBe(200);
    }
    // The pre-opened connections were the ones the requests used.
    expect(proxy.seen.connects).toHaveLength(1);
    expect(socks.destinations).toHaveLength(1);
    expect([viaHttp, viaSocks, direct].map((target) => target.sockets.accepted)).toEqual([1, 1, 1]);
  });

  it('fails requests as SE_ERR_PROXY_CONNECT when the PAC file cannot be loaded, and loads it again on the next request', async () => {
    const target = await servers.httpTarget();
    const file = join(dir, 'later.pac');
    const entry = parseProxyList(`pac+${pathToFileURL(file).href}`)[0]!;
    const client = createHttpClient({ proxy: entry });
    clients.push(client);
    const error = await rejection(get(client, `${target.url}/`));
    expect(error.code).toBe('SE_ERR_PROXY_CONNECT');
    expect(error.message).toContain('the PAC file could not be loaded');
    // A failed load is not kept: once the file exists, the next request is routed.
    await writeFile(file, 'function FindProxyForURL() { return "DIRECT"; }');
    expect((await get(client, `${target.url}/`)).status).toBe(200);
  });
});
