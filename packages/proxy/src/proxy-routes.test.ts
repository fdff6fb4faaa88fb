import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProxyList, proxyFromEnvironment, ProxyListError, type ProxyEntry } from './index.js';

const PAC = `function FindProxyForURL(url, host) {
  if (host === 'via-http.test') return 'PROXY 127.0.0.1:3128; DIRECT';
  if (shExpMatch(host, '*.socks.test')) return 'SOCKS5 127.0.0.1:1080';
  if (host === 'broken.test') return 'NONSENSE';
  return 'DIRECT';
}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'se-proxy-routes-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function route(entry: ProxyEntry, url: string): Promise<string> {
  const chosen = await entry.router!.route(url);
  return chosen === undefined ? 'DIRECT' : chosen.url;
}

describe('PAC lines in a proxy list', () => {
  it('reads pac+file:// and evaluates FindProxyForURL per target URL', async () => {
    const file = join(dir, 'proxy.pac');
    await writeFile(file, PAC);
    const [entry] = parseProxyList(`pac+${pathToFileURL(file).href} weight=2\n`, 'p.txt');
    expect(entry).toMatchObject({ protocol: 'pac', weight: 2, line: 1, display: `pac+${pathToFileURL(file).href}` });
    expect(await route(entry!, 'http://via-http.test/a')).toBe('http://127.0.0.1:3128');
    expect(await route(entry!, 'https://api.socks.test:8443/')).toBe('socks5://127.0.0.1:1080');
    expect(await route(entry!, 'http://elsewhere.test/')).toBe('DIRECT');
    await expect(entry!.router!.route('http://broken.test/')).rejects.toMatchObject({ code: 'SE_ERR_PROXY_ROUTE', message: expect.stringContaining('expected "PROXY host:port"') });
  });

  it('fetches pac+http:// once, masks its credentials, and says when it cannot be loaded', async () => {
    let fetched = 0;
    const auth: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      fetched++;
      auth.push(req.headers.authorization);
      res.end(PAC);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const [entry] = parseProxyList(`pac+http://user:pw@127.0.0.1:${port}/proxy.pac`);
      expect(entry!.display).toBe(`pac+http://***:***@127.0.0.1:${port}/proxy.pac`);
      expect(await route(entry!, 'http://via-http.test/')).toBe('http://127.0.0.1:3128');
      expect(await route(entry!, 'http://other.test/')).toBe('DIRECT');
      expect(fetched).toBe(1);
      expect(auth).toEqual([`Basic ${Buffer.from('user:pw').toString('base64')}`]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [missing] = parseProxyList(`pac+${pathToFileURL(join(dir, 'nope.pac')).href}`);
    await expect(missing!.router!.route('http://x.test/')).rejects.toMatchObject({ code: 'SE_ERR_PROXY_ROUTE', message: expect.stringContaining('could not be loaded') });
  });

  it.each([
    ['pac+file://relative.pac', 'must be absolute'],
    ['pac+ftp://h/p.pac', 'unsupported PAC location "ftp:"'],
    ['pac+nonsense', 'not a PAC file URL'],
  ])('rejects %s', (line, reason) => {
    expect(() => parseProxyList(line, 'p.txt')).toThrow(ProxyListError);
    expect(() => parseProxyList(line, 'p.txt')).toThrow(reason);
  });
});

describe('proxyFromEnvironment()', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'ALL_PROXY', 'all_proxy']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('follows HTTP_PROXY, HTTPS_PROXY and NO_PROXY per target URL', async () => {
    for (const key of ['http_proxy', 'https_proxy', 'no_proxy', 'all_proxy', 'ALL_PROXY']) delete process.env[key];
    process.env['HTTP_PROXY'] = 'http://u:p@127.0.0.1:3128';
    process.env['HTTPS_PROXY'] = 'socks5://127.0.0.1:1080';
    process.env['NO_PROXY'] = 'internal.test';
    const entry = proxyFromEnvironment();
    expect(entry).toMatchObject({ protocol: 'pac', url: 'env:' });
    const viaHttp = await entry.router!.route('http://a.test/');
    expect([viaHttp?.url, viaHttp?.display, viaHttp?.username]).toEqual(['http://u:p@127.0.0.1:3128', 'http://***:***@127.0.0.1:3128', 'u']);
    expect(await route(entry, 'https://a.test/')).toBe('socks5://127.0.0.1:1080');
    expect(await route(entry, 'http://internal.test/')).toBe('DIRECT');
  });
});
