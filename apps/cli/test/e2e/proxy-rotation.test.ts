/**
 * Proxy rotation end to end: the built `engine` talks to the built target
 * server through two real HTTP proxies (npm `proxy`) and a real SOCKS5 server
 * (`@pondwader/socks5-server`), all started here on 127.0.0.1, port 0.
 * Proxies count their tunnels: a session that switched proxy, or a new
 * connection per request, would show up as an extra tunnel.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socks5Server } from '@pondwader/socks5-server';
import { createProxy } from 'proxy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listenLoopback, runEngine, startTarget, type EngineResult, type TargetProcess } from './processes.js';

/** The fields of `engine run --json` these tests read. */
interface Report {
  total: number;
  success: number;
  failed: number;
  retries: number;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  sessions: { configured: number; created: number; failed_to_create: number; preconnected: number };
}

interface TestProxy {
  /** Proxy URL as written in the proxy file. */
  readonly url: string;
  /** TCP connections accepted from the engine. */
  connections(): number;
  /** Tunnels opened: CONNECT requests (HTTP) or SOCKS5 CONNECT commands granted. */
  tunnels(): number;
  /** Plain forwarded requests (an HTTP proxy used without a tunnel). */
  forwarded(): number;
}

const cleanups: (() => Promise<unknown>)[] = [];
let tmp: string;
let target: TargetProcess;

function listen(server: net.Server): ReturnType<typeof listenLoopback> {
  return listenLoopback(server, cleanups);
}

async function startHttpProxy(auth?: { username: string; password: string }): Promise<TestProxy & { authHeaders: (string | undefined)[] }> {
  const base = http.createServer();
  let tunnels = 0;
  let forwarded = 0;
  const authHeaders: (string | undefined)[] = [];
  // Registered before createProxy's own listeners, so they see every request first.
  base.on('connect', (req: http.IncomingMessage) => {
    tunnels += 1;
    authHeaders.push(req.headers['proxy-authorization']);
  });
  base.on('request', (req: http.IncomingMessage) => {
    forwarded += 1;
    authHeaders.push(req.headers['proxy-authorization']);
  });
  const server = createProxy(base);
  if (auth) {
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    server.authenticate = (req) => req.headers['proxy-authorization'] === expected;
  }
  const { port, accepted } = await listen(server);
  const credentials = auth ? `${auth.username}:${auth.password}@` : '';
  return {
    url: `http://${credentials}127.0.0.1:${port}`,
    connections: accepted,
    tunnels: () => tunnels,
    forwarded: () => forwarded,
    authHeaders,
  };
}

async function startSocks5Proxy(): Promise<TestProxy> {
  const socks = new Socks5Server();
  let tunnels = 0;
  socks.setRulesetValidator(() => {
    tunnels += 1;
    return true;
  });
  // Our own net.Server, so the port is known and its sockets can be closed.
  const server = net.createServer((socket) => socks._handleConnection(socket));
  const { port, accepted } = await listen(server);
  return {
    url: `socks5://127.0.0.1:${port}`,
    connections: accepted,
    tunnels: () => tunnels,
    forwarded: () => 0,
  };
}

function writeProxyFile(proxies: readonly TestProxy[]): string {
  const file = join(tmp, 'proxies.txt');
  writeFileSync(file, `# e2e proxies\n${proxies.map((p) => p.url).join('\n')}\n`);
  return file;
}

function parseReport(result: EngineResult): Report {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'se-e2e-proxy-'));
  await fetch(`${target.url}/stats/reset`, { method: 'POST' });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('engine run --proxy-file', () => {
  it('spreads 6 sessions round-robin over two HTTP proxies and a SOCKS5 proxy, one tunnel per session for all 60 requests', async () => {
    const proxies = [await startHttpProxy(), await startHttpProxy(), await startSocks5Proxy()];
    const file = writeProxyFile(proxies);

    const report = parseReport(await runEngine(['run', '--proxy-file', file, '-t', `${target.url}/`, '-s', '6', '-n', '60', '--json'], { timeoutMs: 20_000 }));

    expect(report.total).toBe(60);
    expect(report.failed).toBe(0);
    expect(report.success).toBe(60);
    expect(report.status_codes).toEqual({ '200': 60 });
    expect(report.sessions.created).toBe(6);
    // Every tunnel, HTTP and SOCKS5, was opened before the load window.
    expect(report.sessions.preconnected).toBe(6);
    // Round-robin: 6 sessions over 3 proxies is 2 each. Pinned: each session keeps
    // its single tunnel (the pre-opened one), so 60 requests still make 2 tunnels per proxy.
    expect(proxies.map((p) => p.tunnels())).toEqual([2, 2, 2]);
    expect(proxies.map((p) => p.connections())).toEqual([2, 2, 2]);
    expect(proxies.map((p) => p.forwarded())).toEqual([0, 0, 0]);

    const stats = await target.stats();
    expect(stats.total_requests).toBe(report.total);
    // Every request came through one of the 6 tunnels: no direct connection.
    expect(stats['connections']).toMatchObject({ with_requests: 6 });
  });

  it('keeps every request of a session on the same proxy and the same connection', async () => {
    const proxies = [await startHttpProxy(), await startHttpProxy(), await startSocks5Proxy()];
    const file = writeProxyFile(proxies);
    // A job script that records, per iteration, which proxy the engine gave the
    // session and which server-side connection carried the request (from /echo).
    const log = join(tmp, 'seen.ndjson');
    const script = join(tmp, 'job.mjs');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
export default async (session, context) => {
  const response = await context.request({ path: '/echo' });
  const { connection_id } = response.json();
  appendFileSync(${JSON.stringify(log)}, JSON.stringify({ session: session.id, proxy: session.proxy?.display ?? null, connection: connection_id }) + '\\n');
};
`,
    );

    const report = parseReport(
      await runEngine(['run', '--proxy-file', file, '-t', target.url, '--script', script, '-s', '6', '-n', '60', '--json'], { timeoutMs: 20_000 }),
    );
    expect(report.total).toBe(60);
    expect(report.failed).toBe(0);

    const seen = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { session: number; proxy: string | null; connection: number });
    expect(seen).toHaveLength(60);
    const bySession = new Map<number, { proxies: Set<string | null>; connections: Set<number> }>();
    for (const entry of seen) {
      const record = bySession.get(entry.session) ?? { proxies: new Set(), connections: new Set() };
      record.proxies.add(entry.proxy);
      record.connections.add(entry.connection);
      bySession.set(entry.session, record);
    }
    const ids = [...bySession.keys()].sort((a, b) => a - b);
    expect(ids).toHaveLength(6);
    for (const id of ids) {
      expect(bySession.get(id)!.proxies.size, `session ${id} proxies`).toBe(1);
      expect(bySession.get(id)!.connections.size, `session ${id} connections`).toBe(1);
    }
    // Sessions are handed proxies in file order, round-robin.
    const assigned = ids.map((id) => [...bySession.get(id)!.proxies][0]);
    const hosts = proxies.map((p) => new URL(p.url).port);
    expect(assigned.map((display) => display && new URL(display).port)).toEqual([...hosts, ...hosts]);
    // Six sessions, six distinct server-side connections.
    expect(new Set(ids.map((id) => [...bySession.get(id)!.connections][0])).size).toBe(6);
    expect(proxies.map((p) => p.tunnels())).toEqual([2, 2, 2]);
  });

  it('authenticates to an HTTP proxy with the credentials from the proxy file and never prints them', async () => {
    const password = 'pa55-Secret-e2e-7f3k';
    const proxy = await startHttpProxy({ username: 'e2e-user', password });
    const file = writeProxyFile([proxy]);

    // Debug logging is the most talkative the engine gets; the summary (not --json) is printed too.
    const result = await runEngine(['run', '--proxy-file', file, '-t', `${target.url}/`, '-s', '2', '-n', '10', '--log-level', 'debug'], {
      timeoutMs: 20_000,
    });
    expect(result.code, result.stderr).toBe(0);
    // The proxy does show up in the debug log (masked), so the check below is not vacuous.
    expect(result.stderr).toContain(`@127.0.0.1:${new URL(proxy.url).port}`);
    expect(result.stdout).not.toContain(password);
    expect(result.stderr).not.toContain(password);
    expect(result.stdout).not.toContain(Buffer.from(`e2e-user:${password}`).toString('base64'));
    expect(result.stderr).not.toContain(Buffer.from(`e2e-user:${password}`).toString('base64'));
    expect(proxy.tunnels()).toBe(2);
    // Every CONNECT carried the credentials.
    expect(proxy.authHeaders).toHaveLength(2);
    expect(new Set(proxy.authHeaders)).toEqual(new Set([`Basic ${Buffer.from(`e2e-user:${password}`).toString('base64')}`]));
    expect((await target.stats()).total_requests).toBe(10);

    const json = await runEngine(['run', '--proxy-file', file, '-t', `${target.url}/`, '-s', '2', '-n', '10', '--json'], { timeoutMs: 20_000 });
    expect(json.stdout).not.toContain(password);
    expect(json.stderr).not.toContain(password);
    const report = parseReport(json);
    expect(report.success).toBe(10);
    expect(report.failed).toBe(0);
  });

  it('counts a proxy that rejects the credentials as proxy_auth failures without printing the password', async () => {
    const proxy = await startHttpProxy({ username: 'e2e-user', password: 'the-right-one' });
    const wrong = 'wrong-Secret-e2e-9q2z';
    writeFileSync(join(tmp, 'proxies.txt'), `http://e2e-user:${wrong}@127.0.0.1:${new URL(proxy.url).port}\n`);

    const result = await runEngine(
      ['run', '--proxy-file', join(tmp, 'proxies.txt'), '-t', `${target.url}/`, '-s', '1', '-n', '3', '--retries', '0', '--json', '--log-level', 'debug'],
      { timeoutMs: 20_000 },
    );
    expect(result.stderr).toContain(`@127.0.0.1:${new URL(proxy.url).port}`);
    expect(result.stdout).not.toContain(wrong);
    expect(result.stderr).not.toContain(wrong);
    const report = parseReport(result);
    expect(report.total).toBe(3);
    expect(report.failed).toBe(3);
    expect(report.errors).toEqual({ proxy_auth: 3 });
    expect((await target.stats()).total_requests).toBe(0);
  });
});
