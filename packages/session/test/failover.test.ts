/**
 * Failover with real sockets: sessions behind real HTTP proxies (npm `proxy`)
 * on 127.0.0.1, a real ProxyManager (circuit breaker) with a fake clock for
 * the cool-down, and the real client factory.
 */
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureKind } from '@session-engine/failures';
import { ProxyManager, type ProxyEntry } from '@session-engine/proxy';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionManager, type Session } from '../src/index.js';
import { closedPort, startServer, testConfig, type TestServer } from './helpers.js';

interface LiveProxy {
  url: string;
  tunnels(): number;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startProxy(): Promise<LiveProxy> {
  const base = http.createServer();
  let tunnels = 0;
  base.on('connect', () => void tunnels++);
  const server = createProxy(base);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let stopped = false;
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      stopped = true;
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  cleanups.push(stop);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels: () => tunnels, stop };
}

/** Sets `sid` on /login; answers every request with the cookie header it got. */
async function target(): Promise<TestServer> {
  const server = await startServer((req, res) => {
    if (req.url === '/login') res.setHeader('set-cookie', 'sid=s3ss10n; Path=/');
    res.end(req.headers.cookie ?? '');
  });
  cleanups.push(() => server.close());
  return server;
}

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function sessionsFor(server: TestServer, proxies: ProxyManager): SessionManager {
  const manager = new SessionManager({ config: testConfig({ target_url: server.url }), proxies });
  cleanups.push(() => manager.stopAll({ force: true }));
  return manager;
}

async function kindOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return failureKind(error);
  }
}

describe('failover', () => {
  it('moves a session whose proxy refuses its connection to the next healthy proxy at once, keeping its cookies', async () => {
    const server = await target();
    const [a, b] = [await startProxy(), await startProxy()];
    const proxies = ProxyManager.fromText(`${a.url}\n${b.url}`, { maxFailures: 2 });
    const sessions = sessionsFor(server, proxies);
    await sessions.createSessions(2);
    const s1 = sessions.get(1) as Session;
    expect(s1.proxy?.url).toBe(a.url);
    expect((await s1.request({ path: '/login' })).status).toBe(200);
    expect(a.tunnels()).toBe(1);

    await a.stop();
    // The tunnel a held dies with it (UND_ERR_SOCKET, which says nothing about the proxy, unless
    // undici saw the socket close first); then one refused connect (nothing sent) moves the
    // session, before a's circuit opens, and the next request already goes through b.
    const kinds: (string | undefined)[] = [];
    for (let i = 0; i < 5 && kinds.at(-1) !== 'ok'; i++) kinds.push((await kindOf(s1.request({ path: '/me' }))) ?? 'ok');
    expect(kinds.filter((kind) => kind === 'ECONNREFUSED')).toHaveLength(1);
    expect(kinds.filter((kind) => kind !== 'ECONNREFUSED' && kind !== 'ok').every((kind) => kind === 'UND_ERR_SOCKET')).toBe(true);
    expect(kinds.at(-1)).toBe('ok');
    expect(s1.proxy?.url).toBe(b.url);
    // The cookie set through a is sent through b.
    expect((await s1.request({ path: '/me' })).text()).toBe('sid=s3ss10n');
    expect(b.tunnels()).toBe(1);
    const rows = proxies.report();
    // The refused connect still counts against a (one of the two that open its circuit).
    expect(rows.map((row) => [row.circuit, row.failovers])).toEqual([
      ['closed', 1],
      ['closed', 0],
    ]);
    expect(rows[0]).toMatchObject({ failed: 1 });
    // Session 2 was on b all along: sticky.
    expect(sessions.get(2)?.proxy?.url).toBe(b.url);
  });

  it('fails fast with no_healthy_proxy when every proxy is down, and probes again after the cool-down', async () => {
    const server = await target();
    const clock = fakeClock();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const proxies = ProxyManager.fromText(dead, { maxFailures: 1, cooldownMs: 10_000, now: clock.now });
    const sessions = sessionsFor(server, proxies);
    await sessions.createSessions(1);
    const session = sessions.get(1) as Session;

    expect(await kindOf(session.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect(session.parked).toBe(true);
    expect(await kindOf(session.request({ path: '/' }))).toBe('no_healthy_proxy');
    expect(await kindOf(session.request({ path: '/' }))).toBe('no_healthy_proxy');
    expect(proxies.report()[0]).toMatchObject({ requests: 1, failed: 1, circuit: 'open' });

    // Half-open: the next request is the probe, through the proxy again; it fails and re-opens it.
    clock.advance(10_000);
    expect(await kindOf(session.request({ path: '/' }))).toBe('ECONNREFUSED');
    expect(await kindOf(session.request({ path: '/' }))).toBe('no_healthy_proxy');
    expect(proxies.report()[0]).toMatchObject({ requests: 2, failed: 2, circuit: 'open' });
    expect(session.stats).toMatchObject({ requests: 5, failures: 5 });
  });

  it('a session created while every proxy is down starts parked, and moves when one recovers', async () => {
    const server = await target();
    const clock = fakeClock();
    const live = await startProxy();
    const proxies = ProxyManager.fromText(live.url, { maxFailures: 1, cooldownMs: 1_000, now: clock.now });
    proxies.reportFailure(proxies.next() as ProxyEntry);
    const sessions = sessionsFor(server, proxies);
    await sessions.createSessions(1);
    const session = sessions.get(1) as Session;
    expect(session.parked).toBe(true);
    expect(await kindOf(session.request({ path: '/' }))).toBe('no_healthy_proxy');
    clock.advance(1_000);
    // The probe succeeds: the circuit closes and the session stays on it.
    expect((await session.request({ path: '/' })).status).toBe(200);
    expect(proxies.report()[0]?.circuit).toBe('closed');
    expect((await session.request({ path: '/' })).status).toBe(200);
  });

  it('moves sessions off a proxy that a reload removed', async () => {
    const server = await target();
    const [a, b] = [await startProxy(), await startProxy()];
    const dir = await mkdtemp(join(tmpdir(), 'se-failover-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'proxies.txt');
    await writeFile(file, `${a.url}\n${b.url}\n`);
    const proxies = await ProxyManager.fromFile(file);
    const sessions = sessionsFor(server, proxies);
    await sessions.createSessions(4);
    for (const id of sessions.ids()) await sessions.get(id)!.request({ path: '/login' });
    expect([a.tunnels(), b.tunnels()]).toEqual([2, 2]);

    await writeFile(file, `${b.url}\n`);
    await proxies.reload();
    expect(sessions.ids().map((id) => sessions.get(id)?.proxy?.url)).toEqual([b.url, b.url, b.url, b.url]);
    for (const id of sessions.ids()) expect((await sessions.get(id)!.request({ path: '/me' })).text()).toBe('sid=s3ss10n');
    expect([a.tunnels(), b.tunnels()]).toEqual([2, 4]);
    expect(proxies.report().map((row) => [row.circuit, row.failovers])).toEqual([
      ['removed', 2],
      ['closed', 0],
    ]);
  });
});
