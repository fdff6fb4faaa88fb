/**
 * Proxies that heal, end to end: the built `engine` and target server as
 * processes, a real HTTP CONNECT proxy (npm `proxy`), a real SOCKS5 server
 * (`@pondwader/socks5-server`) and a dead loopback port, all on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socks5Server } from '@pondwader/socks5-server';
import { createProxy } from 'proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAST_METRICS_ENV, listenLoopback, runEngine, useTarget, waitForMetrics, waitForOutput, waitUntil, type EngineResult } from './processes.js';

interface ProxyRow {
  proxy: string;
  line: number;
  weight: number;
  requests: number;
  failed: number;
  failovers: number;
  circuit: string;
  unhealthy_ms: number;
}

interface Report {
  total: number;
  success: number;
  failed: number;
  retries: number;
  errors: Record<string, number>;
  sessions: { created: number };
  steps: Record<string, { total: number; failed: number }>;
  proxies: ProxyRow[];
}

interface TestProxy {
  readonly url: string;
  tunnels(): number;
}

const target = useTarget();
const cleanups: (() => Promise<unknown>)[] = [];
let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'se-e2e-proxy-health-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function startHttpProxy(): Promise<TestProxy> {
  const base = http.createServer();
  let tunnels = 0;
  base.on('connect', () => void (tunnels += 1));
  const { port } = await listenLoopback(createProxy(base), cleanups);
  return { url: `http://127.0.0.1:${port}`, tunnels: () => tunnels };
}

async function startSocks5Proxy(): Promise<TestProxy> {
  const socks = new Socks5Server();
  let tunnels = 0;
  socks.setRulesetValidator(() => {
    tunnels += 1;
    return true;
  });
  const { port } = await listenLoopback(
    net.createServer((socket) => socks._handleConnection(socket)),
    cleanups,
  );
  return { url: `socks5://127.0.0.1:${port}`, tunnels: () => tunnels };
}

/** A loopback port nothing listens on: connections to it are refused. */
async function deadProxy(scheme: 'http' | 'socks5' = 'http'): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `${scheme}://127.0.0.1:${port}`;
}

function writeProxyFile(lines: readonly string[]): string {
  const file = join(tmp, 'proxies.txt');
  writeFileSync(file, `# e2e proxies\n${lines.join('\n')}\n`);
  return file;
}

/** The samples of one `session_engine_proxy_*` series in a Prometheus text, in order. */
function proxySeries(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].map((m) => ({
    labels: Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])),
    value: Number(m[2]),
  }));
}

function parseReport(result: EngineResult): Report {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

describe('engine run: proxies that heal', () => {
  it('opens a dead proxy circuit, moves its sessions to the live HTTP and SOCKS5 proxies, and no request fails after that', async () => {
    const http1 = await startHttpProxy();
    const socks = await startSocks5Proxy();
    const dead = await deadProxy();
    // Sessions 1..6 get http, dead, socks, http, dead, socks.
    const file = writeProxyFile([http1.url, dead, socks.url]);
    const args = ['run', '--proxy-file', file, '-t', `${target().url}/`, '-s', '6', '-n', '300', '--json', '--log-level', 'debug'];
    const env = { SESSION_ENGINE_PROXY_MAX_FAILURES: '2' };

    // Without retries, the only failures are the dead proxy's: the first moves its session off it at
    // once (nothing was sent), the second opens its circuit and moves the other (2 or 3 in all). None after.
    const bare = await runEngine([...args, '--retries', '0'], { env, timeoutMs: 30_000 });
    const first = parseReport(bare);
    expect(first.total).toBe(300);
    expect(Object.keys(first.errors)).toEqual(['ECONNREFUSED']);
    const refused = first.errors['ECONNREFUSED']!;
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(refused).toBeLessThanOrEqual(3);
    expect(first.success).toBe(300 - refused);
    const deadRow = first.proxies[1]!;
    expect(deadRow).toMatchObject({ proxy: dead, line: 3, requests: refused, failed: refused, failovers: 2, circuit: 'open' });
    expect(deadRow.unhealthy_ms).toBeGreaterThan(0);
    expect(first.proxies.map((row) => [row.proxy, row.circuit, row.failovers])).toEqual([
      [http1.url, 'closed', 0],
      [dead, 'open', 2],
      [socks.url, 'closed', 0],
    ]);
    expect(first.proxies[0]!.requests + first.proxies[2]!.requests).toBe(300 - refused);
    // Four sessions started on the live proxies, two moved there: one tunnel each.
    expect(http1.tunnels() + socks.tunnels()).toBe(6);
    expect(bare.stderr).toMatch(/proxy http:\/\/127\.0\.0\.1:\d+: its circuit opened \(connection failures in a row\); 1 session\(s\) moved to other proxies/);
    expect(bare.stderr).toContain('session moved to another proxy');
    expect((await target().stats()).total_requests).toBe(300 - refused);

    // With the default retries, the two failed attempts are retried through the proxies the sessions moved to.
    const report = parseReport(await runEngine(args, { env, timeoutMs: 30_000 }));
    expect(report.total).toBe(300);
    expect(report.failed).toBe(0);
    expect(report.proxies[1]).toMatchObject({ circuit: 'open', failovers: 2 });
  });

  // Nothing connected to a dead proxy, so nothing was sent: whatever its scheme, the attempt fails as a connection
  // failure (ECONNREFUSED), retried even for a POST and counted against the proxy, and the session moves to a live
  // proxy at once, before the proxy's circuit opens.
  it('treats a dead SOCKS5 proxy as a dead HTTP one: the retry of a POST goes through the live proxy the session moved to', async () => {
    const lives = { socks5: await startSocks5Proxy(), http: await startHttpProxy() };
    const config = join(tmp, 'engine.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        scenario: [{ name: 'login', method: 'POST', path: '/login', json: { user: 'user-{{session_id}}' }, expect_status: 200 }],
      }),
    );
    const outcome = async (dead: string, live: TestProxy, maxFailures: string) => {
      const file = writeProxyFile([dead, live.url]);
      const args = ['run', '-c', config, '--proxy-file', file, '-s', '1', '-n', '5', '--retries', '1', '--json'];
      const report = parseReport(await runEngine(args, { env: { SESSION_ENGINE_PROXY_MAX_FAILURES: maxFailures }, timeoutMs: 30_000 }));
      const [deadRow, liveRow] = report.proxies;
      return {
        total: report.total,
        failed: report.failed,
        retries: report.retries,
        errors: report.errors,
        dead: [deadRow!.requests, deadRow!.failed, deadRow!.failovers, deadRow!.circuit],
        live: [liveRow!.requests, liveRow!.failed],
      };
    };
    for (const scheme of ['socks5', 'http'] as const) {
      const live = lives[scheme];
      // One failure opens the circuit: the first attempt's retry goes through the live proxy.
      expect(await outcome(await deadProxy(scheme), live, '1'), scheme).toEqual({
        total: 5,
        failed: 0,
        retries: 1,
        errors: {},
        dead: [1, 1, 1, 'open'],
        live: [5, 0],
      });
      // Three (the default): the session leaves the dead proxy after its first refused connect, so the
      // retry already goes through the live one; the dead proxy's circuit stays closed (one failure).
      const tunnels = live.tunnels();
      expect(await outcome(await deadProxy(scheme), live, '3'), scheme).toEqual({
        total: 5,
        failed: 0,
        retries: 1,
        errors: {},
        dead: [1, 1, 1, 'closed'],
        live: [5, 0],
      });
      // One tunnel through the live proxy: the session's keep-alive connection there carried every request.
      expect(live.tunnels() - tunnels, scheme).toBe(1);
    }
  });

  it('SIGHUP re-reads the proxy file without stopping the run: sessions on a removed proxy move, cookies kept', async () => {
    const http1 = await startHttpProxy();
    const socks = await startSocks5Proxy();
    const file = writeProxyFile([http1.url, socks.url]);
    // Each session logs in once, then asks who it is: /api/me answers 401 without the session cookie.
    const config = join(tmp, 'engine.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        scenario: [
          { name: 'login', once: true, method: 'POST', path: '/login', json: { user: 'user-{{session_id}}' }, expect_status: 200 },
          { name: 'me', method: 'GET', path: '/api/me', expect_status: 200 },
        ],
      }),
    );
    const result = await runEngine(['run', '-c', config, '--proxy-file', file, '-s', '4', '-d', '30s', '--json'], {
      env: FAST_METRICS_ENV,
      timeoutMs: 40_000,
      onStart: async (child) => {
        await waitForMetrics(child, (line) => line.total >= 50);
        writeFileSync(file, `${socks.url}\n`);
        child.kill('SIGHUP');
        await waitForOutput(child, /proxy file reloaded/);
        const moved = http1.tunnels();
        const reloadedAt = (await target().stats()).total_requests;
        await waitForMetrics(child, (line) => line.total >= reloadedAt + 100);
        // A bad list is refused, the run goes on with the current one.
        writeFileSync(file, 'ftp://127.0.0.1:21\n');
        child.kill('SIGHUP');
        await waitForOutput(child, /proxy file not reloaded, the current list stays/);
        expect(http1.tunnels()).toBe(moved);
        child.kill('SIGINT');
      },
    });
    const report = parseReport(result);
    // Every /api/me after the move was answered 200: the moved sessions kept their login cookie.
    expect(report.failed).toBe(0);
    expect(report.steps['login']!.total).toBe(4);
    expect(report.proxies.map((row) => [row.proxy, row.circuit, row.failovers])).toEqual([
      [http1.url, 'removed', 2],
      [socks.url, 'closed', 0],
    ]);
    // Sessions 1 and 3 moved from the HTTP proxy to the SOCKS5 one: one new tunnel each.
    expect(http1.tunnels()).toBe(2);
    expect(socks.tunnels()).toBe(4);
    expect(result.stderr).toMatch(/a reload removed it from the list; 2 session\(s\) moved to other proxies/);
    expect((await target().stats()).total_requests).toBe(report.total);
  });

  it('--threads 2 --metrics-port: /metrics has the per-proxy series of both proxies, merged across threads, adding up to the requests', async () => {
    const http1 = await startHttpProxy();
    const socks = await startSocks5Proxy();
    const file = writeProxyFile([http1.url, socks.url]);
    let scraped = '';
    const result = await runEngine(
      ['run', '--proxy-file', file, '-t', `${target().url}/`, '-s', '4', '-d', '60s', '--threads', '2', '--metrics-port', '0', '--json'],
      {
        env: FAST_METRICS_ENV,
        timeoutMs: 60_000,
        onStart: async (child) => {
          let stderr = '';
          child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          await waitForOutput(child, /serving Prometheus metrics/);
          const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1];
          if (url === undefined) throw new Error(`no metrics url in: ${stderr}`);
          // Ready once both threads' snapshots are in (their 2 + 2 sessions) and each proxy has carried requests.
          await waitUntil(async () => {
            scraped = await (await fetch(url)).text();
            const rows = proxySeries(scraped, 'session_engine_proxy_requests_total');
            return /^session_engine_active_sessions 4$/m.test(scraped) && rows.length === 2 && rows.every((row) => row.value > 0);
          }, 'per-proxy series with requests through both proxies');
          child.kill('SIGINT');
        },
      },
    );
    const report = parseReport(result);
    // The one-thread series: proxy (masked URL) and line labels, one row per proxy whatever the threads.
    const requests = proxySeries(scraped, 'session_engine_proxy_requests_total');
    expect(requests.map((row) => [row.labels['proxy'], row.labels['line']])).toEqual([
      [http1.url, '2'],
      [socks.url, '3'],
    ]);
    // Each thread's sessions 1 and 2 (3 and 4) go to the first and the second proxy: both threads' requests, summed.
    const total = [...scraped.matchAll(/^session_engine_requests_total\{outcome="(?:success|failed)"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(total).toBeGreaterThan(0);
    expect(requests.reduce((sum, row) => sum + row.value, 0)).toBe(total);
    expect(proxySeries(scraped, 'session_engine_proxy_failures_total').map((row) => row.value)).toEqual([0, 0]);
    expect(proxySeries(scraped, 'session_engine_proxy_circuit_state').filter((row) => row.value === 1).map((row) => row.labels['state'])).toEqual([
      'closed',
      'closed',
    ]);
    expect(scraped).toContain('# HELP session_engine_proxy_requests_total Requests through each proxy that got a response or failed to connect.');
    // The report's rows are merged the same way and add up to every request the target got.
    expect(report.failed).toBe(0);
    expect(report.proxies.map((row) => row.proxy)).toEqual([http1.url, socks.url]);
    expect(report.proxies.reduce((sum, row) => sum + row.requests, 0)).toBe(report.total);
    expect((await target().stats()).total_requests).toBe(report.total);
    // Two sessions through each proxy, one tunnel each.
    expect([http1.tunnels(), socks.tunnels()]).toEqual([2, 2]);
  });

  it('gives each proxy its weight share within 5% over 1000 sessions', async () => {
    const heavy = await startHttpProxy();
    const light = await startSocks5Proxy();
    const file = writeProxyFile([`${heavy.url} weight=3`, light.url]);
    const report = parseReport(
      await runEngine(['run', '--proxy-file', file, '-t', `${target().url}/`, '-s', '1000', '-n', '1000', '--json'], { timeoutMs: 60_000 }),
    );
    expect(report.failed).toBe(0);
    expect(report.sessions.created).toBe(1000);
    // One tunnel per session: the tunnels are the sessions each proxy was given.
    const share = heavy.tunnels() / (heavy.tunnels() + light.tunnels());
    expect(heavy.tunnels() + light.tunnels()).toBe(1000);
    expect(Math.abs(share - 0.75)).toBeLessThan(0.05 * 0.75);
    expect(report.proxies.map((row) => row.weight)).toEqual([3, 1]);
  });
});
