/**
 * Per-target proxies end to end: a PAC file in the proxy list, and the
 * HTTP_PROXY / NO_PROXY environment (proxy_from_env). The built engine and two
 * built target servers as processes, a real HTTP CONNECT proxy (npm `proxy`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProxy } from 'proxy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listenLoopback, runEngine, startTarget, type EngineResult, type TargetProcess } from './processes.js';

interface Report {
  total: number;
  failed: number;
  steps: Record<string, { total: number; failed: number }>;
  proxies: { proxy: string; requests: number; circuit: string }[];
}

const cleanups: (() => Promise<unknown>)[] = [];
let tmp: string;
let proxied: TargetProcess;
let direct: TargetProcess;

beforeAll(async () => {
  [proxied, direct] = await Promise.all([startTarget(), startTarget()]);
});
afterAll(async () => {
  await Promise.all([proxied?.stop(), direct?.stop()]);
});
beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'se-e2e-pac-'));
  await Promise.all([proxied, direct].map((target) => fetch(`${target.url}/stats/reset`, { method: 'POST' })));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** An HTTP proxy that records the target of every CONNECT. */
async function startHttpProxy(): Promise<{ port: number; connects: string[] }> {
  const base = http.createServer();
  const connects: string[] = [];
  base.on('connect', (req: http.IncomingMessage) => connects.push(req.url ?? ''));
  const { port } = await listenLoopback(createProxy(base), cleanups);
  return { port, connects };
}

/** Each session asks both targets once per iteration. */
function twoTargetConfig(extra: Record<string, unknown> = {}): string {
  const file = join(tmp, 'engine.json');
  writeFileSync(
    file,
    JSON.stringify({
      target_url: direct.url,
      scenario: [
        { name: 'proxied', method: 'GET', url: `${proxied.url}/`, expect_status: 200 },
        { name: 'direct', method: 'GET', url: `${direct.url}/`, expect_status: 200 },
      ],
      ...extra,
    }),
  );
  return file;
}

function parseReport(result: EngineResult): Report {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

describe('engine run: proxies chosen per target', () => {
  it('a PAC file in the proxy list routes one target through the proxy and the other direct', async () => {
    const proxy = await startHttpProxy();
    const pac = join(tmp, 'proxy.pac');
    const proxiedPort = new URL(proxied.url).port;
    writeFileSync(
      pac,
      `function FindProxyForURL(url, host) {
  if (url.indexOf(':${proxiedPort}/') >= 0) return 'PROXY 127.0.0.1:${proxy.port}';
  return 'DIRECT';
}\n`,
    );
    const list = join(tmp, 'proxies.txt');
    writeFileSync(list, `pac+${pathToFileURL(pac).href}\n`);

    const report = parseReport(await runEngine(['run', '-c', twoTargetConfig(), '--proxy-file', list, '-s', '3', '-n', '30', '--json'], { timeoutMs: 30_000 }));
    expect(report.failed).toBe(0);
    expect(report.steps['proxied']!.total).toBe(30);
    expect(report.steps['direct']!.total).toBe(30);
    // One tunnel per session, all to the proxied target; the direct target is never tunnelled to.
    expect(proxy.connects).toEqual([`127.0.0.1:${proxiedPort}`, `127.0.0.1:${proxiedPort}`, `127.0.0.1:${proxiedPort}`]);
    expect((await proxied.stats()).total_requests).toBe(30);
    expect((await direct.stats()).total_requests).toBe(30);
    expect(report.proxies).toEqual([expect.objectContaining({ proxy: `pac+${pathToFileURL(pac).href}`, requests: 60, circuit: 'closed' })]);
  });

  it('proxy_from_env: HTTP_PROXY carries the requests, NO_PROXY sends a host direct', async () => {
    const proxy = await startHttpProxy();
    const env = {
      SESSION_ENGINE_PROXY_FROM_ENV: 'true',
      HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
      // proxy-from-env matches NO_PROXY entries against host:port when a port is given.
      NO_PROXY: `127.0.0.1:${new URL(direct.url).port}`,
      http_proxy: '',
      no_proxy: '',
    };
    const report = parseReport(await runEngine(['run', '-c', twoTargetConfig(), '-s', '2', '-n', '10', '--json'], { env, timeoutMs: 30_000 }));
    expect(report.failed).toBe(0);
    expect(proxy.connects).toEqual([`127.0.0.1:${new URL(proxied.url).port}`, `127.0.0.1:${new URL(proxied.url).port}`]);
    expect((await direct.stats()).total_requests).toBe(10);
    expect(report.proxies.map((row) => row.proxy)).toEqual(['HTTP_PROXY/HTTPS_PROXY/NO_PROXY (environment)']);
  });
});
