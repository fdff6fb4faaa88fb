import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError, SessionManager, SessionRequestError, type SessionClient, type SessionProxy } from '../src/index.js';
import { closedPort, startServer, testClient, testConfig, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const managers: SessionManager<SessionProxy>[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stopAll()));
  await server?.close();
  server = undefined;
});

function logger() {
  return { debug: vi.fn(), warn: vi.fn() };
}

/** A manager with the default client factory (client-factory's createHttpClient, which pre-connects). */
function manager(target: string, options: { logger?: ReturnType<typeof logger>; createClient?: () => SessionClient } = {}) {
  const created = new SessionManager<SessionProxy>({ config: testConfig({ target_url: target }), ...options });
  managers.push(created);
  return created;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('SessionManager.preconnectAll', () => {
  it("opens each session's connection before its first request, which then uses it", async () => {
    server = await startServer((_req, res) => res.end('ok'));
    const log = logger();
    const sessions = manager(`${server.url}/start`, { logger: log });
    await sessions.createSessions(4);
    expect(server.connections()).toBe(0);
    expect(await sessions.preconnectAll()).toEqual({ connected: 4, failed: 0, skipped: 0 });
    await until(() => server!.connections() === 4);
    sessions.startAll();
    for (const id of sessions.ids()) {
      for (let i = 0; i < 2; i++) expect((await sessions.get(id)!.request({ path: '/' })).status).toBe(200);
    }
    expect(server.connections()).toBe(4);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('a dead target: not fatal, logged once with the count, and the first request fails as it would have (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const log = logger();
    const sessions = manager(`http://127.0.0.1:${port}/`, { logger: log });
    await sessions.createSessions(3);
    expect(await sessions.preconnectAll({ concurrency: 8 })).toEqual({ connected: 0, failed: 3, skipped: 0 });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![0]).toMatch(/pre-connect failed for 3 session\(s\)/);
    const session = sessions.get(sessions.ids()[0]!)!;
    expect(session.stats).toEqual({ requests: 0, failures: 0, bytes: 0 });
    sessions.startAll();
    const error = await session.request({ path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRequestError);
    expect(error).toMatchObject({ causeCode: 'ECONNREFUSED' });
  });

  it('stops once `concurrency` pre-connects in a row failed: the rest are skipped', async () => {
    const port = await closedPort();
    const sessions = manager(`http://127.0.0.1:${port}/`, { logger: logger() });
    await sessions.createSessions(10);
    const result = await sessions.preconnectAll({ concurrency: 2 });
    // A worker may start one more before the other's failure lands: 2 or 3 tried, never all 10.
    expect(result.connected).toBe(0);
    expect(result.failed).toBeGreaterThanOrEqual(2);
    expect(result.failed).toBeLessThanOrEqual(3);
    expect(result.skipped).toBe(10 - result.failed);
  });

  it('runs at most `concurrency` pre-connects at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const createClient = (): SessionClient => {
      const inner = testClient();
      return {
        ...inner,
        preconnect: async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inFlight--;
          return true;
        },
      };
    };
    const sessions = manager('http://127.0.0.1:9/', { createClient });
    await sessions.createSessions(12);
    expect(await sessions.preconnectAll({ concurrency: 3 })).toEqual({ connected: 12, failed: 0, skipped: 0 });
    expect(most).toBe(3);
  });

  it('skips sessions with nothing to pre-connect: no target, or a client that cannot', async () => {
    const noTarget = manager('');
    await noTarget.createSessions(2);
    expect(await noTarget.preconnectAll()).toEqual({ connected: 0, failed: 0, skipped: 2 });
    const plain = manager('http://127.0.0.1:9/', { createClient: () => testClient() });
    await plain.createSessions(2);
    expect(await plain.preconnectAll()).toEqual({ connected: 0, failed: 0, skipped: 2 });
  });

  it('an aborted signal stops it before it starts', async () => {
    server = await startServer((_req, res) => res.end('ok'));
    const sessions = manager(server.url);
    await sessions.createSessions(3);
    expect(await sessions.preconnectAll({ signal: AbortSignal.abort() })).toEqual({ connected: 0, failed: 0, skipped: 3 });
    expect(server.connections()).toBe(0);
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    const sessions = manager('http://127.0.0.1:9/');
    await expect(sessions.preconnectAll({ concurrency: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe('Session.preconnect', () => {
  it('resolves false on a closed session and opens nothing', async () => {
    server = await startServer((_req, res) => res.end('ok'));
    const sessions = manager(server.url);
    await sessions.createSessions(1);
    const session = sessions.get(sessions.ids()[0]!)!;
    await session.close();
    expect(await session.preconnect()).toBe(false);
    expect(server.connections()).toBe(0);
  });

  it('closing the session closes a pre-opened connection no request used', async () => {
    server = await startServer((_req, res) => res.end('ok'));
    const sessions = manager(server.url);
    await sessions.createSessions(1);
    const session = sessions.get(sessions.ids()[0]!)!;
    expect(await session.preconnect()).toBe(true);
    await until(() => server!.openSockets() === 1);
    await session.close();
    await until(() => server!.openSockets() === 0);
  });
});
