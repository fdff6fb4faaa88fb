/**
 * run() with a proxy file: real HTTP proxies (npm `proxy`) and a dead port on
 * 127.0.0.1. The circuit of the dead one opens, its sessions fail over, the
 * report and the Prometheus series show it; RunControl reloads the file.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { createProxy } from 'proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '@session-engine/test-support';
import { run, RunControl } from '../src/index.js';
import { eventually, startServer, type TestServer } from './server.js';

let server: TestServer;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'se-runner-proxies-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startProxy(): Promise<{ url: string; tunnels: () => number }> {
  const base = http.createServer();
  let tunnels = 0;
  base.on('connect', () => void tunnels++);
  const proxy = createProxy(base);
  const sockets = new Set<Socket>();
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, tunnels: () => tunnels };
}

function proxyFile(lines: string[]): string {
  const file = join(dir, 'proxies.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function config(overrides: Partial<ConfigInput>) {
  return parseConfig({ target_url: server.url, number_of_sessions: 6, log_level: 'warn', max_conns_per_host: 1, ...overrides });
}

describe('run() with proxies that fail', () => {
  it('opens the dead proxy circuit, moves its sessions, and no request fails once it is open', async () => {
    const live = [await startProxy(), await startProxy()];
    const dead = `http://127.0.0.1:${await freePort()}`;
    const file = proxyFile([live[0]!.url, dead, live[1]!.url]);
    const report = await run({
      config: config({ proxy_file: file, iterations: 300, proxy_max_failures: 2, max_retries: 3 }),
      logger: createLogger({ level: 'error' }),
    });
    // Retries carry the first requests of the dead proxy's sessions over to a live proxy after the failover.
    expect(report.total).toBe(300);
    expect(report.failed).toBe(0);
    expect(report.proxies.map((row) => [row.proxy, row.circuit])).toEqual([
      [live[0]!.url, 'closed'],
      [dead, 'open'],
      [live[1]!.url, 'closed'],
    ]);
    const deadRow = report.proxies[1]!;
    expect(deadRow.failovers).toBe(2); // sessions 2 and 5 were on it
    expect(deadRow.failed).toBeGreaterThanOrEqual(2);
    expect(deadRow.unhealthy_ms).toBeGreaterThan(0);
    expect(report.proxies[0]!.requests + report.proxies[2]!.requests).toBe(300);
    expect(live[0]!.tunnels() + live[1]!.tunnels()).toBe(6);
  });

  it('fails requests fast with no_healthy_proxy when every proxy is down, never hammering them', async () => {
    const file = proxyFile([`http://127.0.0.1:${await freePort()}`]);
    const report = await run({
      // One session: the scheduler backs a session off after 5 failures in a row, so 5 iterations.
      config: config({ proxy_file: file, number_of_sessions: 1, iterations: 5, proxy_max_failures: 1, max_retries: 3 }),
      logger: createLogger({ level: 'error' }),
    });
    expect(report.failed).toBe(5);
    // The first request's retries already fail fast: only one attempt ever reached the dead proxy.
    expect(report.errors).toEqual({ no_healthy_proxy: 5 });
    expect(report.proxies[0]).toMatchObject({ circuit: 'open', failed: 1, requests: 1 });
  });

  it('RunControl.reloadProxies() swaps the list during the run; sessions on a removed proxy move', async () => {
    const [a, b] = [await startProxy(), await startProxy()];
    const file = proxyFile([a.url, b.url]);
    const control = new RunControl();
    await expect(control.reloadProxies()).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_NO_PROXY_FILE' });
    const stop = new AbortController();
    const running = run({ config: config({ proxy_file: file, number_of_sessions: 4, duration: '30s' }), logger: createLogger({ level: 'error' }), control, signal: stop.signal });
    try {
      expect(await eventually(() => server.requests('/') > 40, 10_000)).toBe(true);
      writeFileSync(file, `${b.url}\n`);
      expect(await control.reloadProxies()).toEqual({ file, count: 1, added: 0, removed: 1 });
      const tunnelsOfA = a.tunnels();
      const before = server.requests('/');
      expect(await eventually(() => server.requests('/') > before + 40, 10_000)).toBe(true);
      // A bad file is refused and the list stays.
      writeFileSync(file, 'ftp://nope:1\n');
      await expect(control.reloadProxies()).rejects.toMatchObject({ code: 'SE_ERR_PROXY_BAD_LINE' });
      expect(a.tunnels()).toBe(tunnelsOfA);
    } finally {
      stop.abort('signal');
    }
    const report = await running;
    expect(report.failed).toBe(0);
    expect(report.proxies.map((row) => [row.proxy, row.circuit, row.failovers])).toEqual([
      [a.url, 'removed', 2],
      [b.url, 'closed', 0],
    ]);
    // Two sessions moved to b: b carries all four now.
    expect(b.tunnels()).toBe(4);
    await expect(control.reloadProxies()).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_NO_PROXY_FILE' });
  });
});

describe('run() with active proxy health checks (proxy_check_url)', () => {
  it('closes a proxy circuit again through a background check, and parked sessions go back to it', async () => {
    // The only proxy is down at first: its circuit opens and requests fail fast with no_healthy_proxy.
    const port = await freePort();
    const file = proxyFile([`http://127.0.0.1:${port}`]);
    const stop = new AbortController();
    const running = run({
      config: config({
        proxy_file: file,
        number_of_sessions: 2,
        duration: '30s',
        proxy_max_failures: 1,
        proxy_cooldown: '5m',
        max_retries: 0,
        proxy_check_url: `${server.url}/health`,
        proxy_check_interval: '100ms',
      }),
      logger: createLogger({ level: 'error' }),
      signal: stop.signal,
    });
    try {
      // Then a proxy comes up on that port: the next check closes the circuit long before the 5 min cool-down.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const base = http.createServer();
      const proxy = createProxy(base);
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => (proxy.closeAllConnections(), proxy.close(() => resolve()))));
      const before = server.requests('/');
      expect(await eventually(() => server.requests('/') > before + 50, 10_000)).toBe(true);
    } finally {
      stop.abort('signal');
    }
    const report = await running;
    expect(report.errors['no_healthy_proxy']).toBeGreaterThan(0);
    expect(report.success).toBeGreaterThan(50);
    expect(report.proxies[0]).toMatchObject({ circuit: 'closed' });
    expect(report.proxies[0]!.unhealthy_ms).toBeGreaterThan(0);
    expect(server.requests('/health')).toBeGreaterThanOrEqual(1);
  });
});
