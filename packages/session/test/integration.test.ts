import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProxyManager } from '@session-engine/proxy';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionManager, SessionRequestError } from '../src/index.js';
import { closedPort, startServer, testConfig, type TestServer } from './helpers.js';

// The manager's default client factory (@session-engine/client-factory) and a
// real ProxyManager, against real servers on 127.0.0.1.

interface TestProxy {
  readonly port: number;
  connects(): number;
  openSockets(): number;
  close(): Promise<void>;
}

async function startProxy(): Promise<TestProxy> {
  const server: Server = createProxy(createServer());
  const open = new Set<Socket>();
  let connects = 0;
  server.on('connect', () => connects++);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connects: () => connects,
    openSockets: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function target(): Promise<TestServer> {
  const server = await startServer((req, res) => {
    if (req.url === '/login') res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
    res.end(req.headers.cookie ?? 'none');
  });
  cleanups.push(() => server.close());
  return server;
}

function managerFor(config: Parameters<typeof testConfig>[0], proxies?: ProxyManager): SessionManager {
  const manager = new SessionManager({ config: testConfig(config), ...(proxies === undefined ? {} : { proxies }) });
  cleanups.push(() => manager.stopAll());
  return manager;
}

describe('SessionManager with the default client factory', () => {
  it('reuses one keep-alive socket per session and keeps cookies per session', async () => {
    const server = await target();
    const manager = managerFor({ target_url: server.url, max_conns_per_host: 1 });
    expect((await manager.createSessions(2)).created).toBe(2);
    const [one, two] = [manager.get(1), manager.get(2)];
    await one?.request({ path: '/login' });
    for (let i = 0; i < 3; i++) expect((await one?.request({ path: '/me' }))?.text()).toBe('a=1; b=2');
    expect((await two?.request({ path: '/me' }))?.text()).toBe('none');
    expect(server.connections()).toBe(2);
  });

  it('routes sessions through proxies round-robin and closes every socket on stopAll', async () => {
    const server = await target();
    const proxyA = await startProxy();
    const proxyB = await startProxy();
    cleanups.push(() => proxyA.close(), () => proxyB.close());
    const proxies = ProxyManager.fromText(
      `http://127.0.0.1:${proxyA.port}\nhttp://user:secret@127.0.0.1:${proxyB.port}\n`,
    );
    const manager = managerFor({ target_url: server.url, max_conns_per_host: 1 }, proxies);
    await manager.createSessions(4);
    expect(manager.ids().map((id) => manager.get(id)?.proxy?.port)).toEqual([
      proxyA.port,
      proxyB.port,
      proxyA.port,
      proxyB.port,
    ]);
    expect(manager.get(2)?.proxy?.display).not.toContain('secret');

    manager.startAll();
    await Promise.all(manager.active().map((session) => session.request({ path: '/' })));
    // One CONNECT tunnel per session, each through its own proxy.
    expect(proxyA.connects()).toBe(2);
    expect(proxyB.connects()).toBe(2);
    expect(server.openSockets()).toBe(4);

    await manager.stopAll();
    await vi.waitFor(
      () => {
        expect(server.openSockets()).toBe(0);
        expect(proxyA.openSockets() + proxyB.openSockets()).toBe(0);
      },
      { timeout: 5_000, interval: 20 },
    );
  });

  it('reports the client factory`s option errors as creation errors', async () => {
    const manager = managerFor({ max_conns_per_host: 0 });
    const result = await manager.createSessions(2);
    expect(result.created).toBe(0);
    expect(result.errors.map((error) => error.sessionId)).toEqual([1, 2]);
    expect(result.errors[0]?.cause).toMatchObject({ code: 'SE_ERR_CLIENT_INVALID_OPTIONS' });
  });

  it('classifies a dead proxy as a transport error of the session', async () => {
    const port = await closedPort();
    const manager = managerFor(
      { target_url: 'http://127.0.0.1:9/', request_timeout: 5_000 },
      ProxyManager.fromText(`http://127.0.0.1:${port}\n`),
    );
    await manager.createSessions(1);
    const error = await manager
      .get(1)
      ?.request({})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).toMatchObject({ sessionId: 1, causeCode: 'ECONNREFUSED' });
  });

  it('reports proxy connection failures so new sessions skip a dead proxy', async () => {
    const server = await target();
    const live = await startProxy();
    cleanups.push(() => live.close());
    const deadPort = await closedPort();
    const proxies = ProxyManager.fromText(`http://127.0.0.1:${deadPort}\nhttp://127.0.0.1:${live.port}\n`, { maxFailures: 2 });
    const manager = managerFor({ target_url: server.url, request_timeout: 5_000 }, proxies);
    await manager.createSessions(3);
    const [viaDead, viaLive, alsoDead] = [manager.get(1)!, manager.get(2)!, manager.get(3)!];
    expect(viaDead.proxy?.port).toBe(deadPort);
    expect(viaLive.proxy?.port).toBe(live.port);
    expect(alsoDead.proxy?.port).toBe(deadPort);

    await viaDead.request({}).catch(() => undefined);
    expect(proxies.healthy()).toHaveLength(2); // one failure is not enough
    // Nothing reached the dead proxy: its session already moved on, before the circuit opened.
    expect(viaDead.proxy?.port).toBe(live.port);
    await viaLive.request({});
    await alsoDead.request({}).catch(() => undefined);
    expect(proxies.healthy().map((p) => p.port)).toEqual([live.port]);

    // Sessions added now all get the live proxy; the other dead one's session moved to it (failover).
    await manager.add(3);
    expect([4, 5, 6].map((id) => manager.get(id)?.proxy?.port)).toEqual([live.port, live.port, live.port]);
    expect(alsoDead.proxy?.port).toBe(live.port);
    expect((await viaDead.request({})).status).toBe(200);
  });
});
