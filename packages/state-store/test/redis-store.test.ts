/** The Redis store against a real redis-server (no persistence), started for these tests. */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSession, openStateStore, RedisStateStore, restoreSession, type SavedSession } from '../src/index.js';
import { jarSession } from './jar-session.js';
import { freePort, redisServerMissing, startRedis, type RedisServer } from '@session-engine/test-support';

async function savedSession(id: number): Promise<SavedSession> {
  const session = jarSession(id);
  await session.cookieJar.setCookie(`sid=s${id}; Path=/; HttpOnly`, 'http://127.0.0.1:8080/login');
  session.variables.set('token', `t${id}`);
  return captureSession(session, { once: ['login'] });
}

describe.skipIf(redisServerMissing !== undefined)('RedisStateStore', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('round-trips sessions through one key per session, a JSON string with the format version', async () => {
    const store = await openStateStore(server.url, { name: 'round-trip' });
    await store.save([await savedSession(1), await savedSession(2)]);
    await store.close();

    expect((await client.keys('session-engine:round-trip:*')).sort()).toEqual(['session-engine:round-trip:1', 'session-engine:round-trip:2']);
    expect(JSON.parse((await client.get('session-engine:round-trip:2'))!)).toMatchObject({ version: 1, id: 2, variables: { token: 't2' }, proxy: null, once: ['login'] });
    expect(await client.pttl('session-engine:round-trip:1')).toBe(-1);

    const again = await RedisStateStore.connect(server.url, { name: 'round-trip' });
    const loaded = await again.load([1, 2, 3]);
    await again.close();
    expect([...loaded.keys()]).toEqual([1, 2]);
    const session = jarSession(2);
    await restoreSession(session, loaded.get(2)!);
    expect(await session.cookieJar.getCookieString('http://127.0.0.1:8080/api/me')).toBe('sid=s2');
  });

  it('sets the TTL on every key it saves', async () => {
    const store = await openStateStore(server.url, { name: 'ttl', ttlMs: 60_000 });
    await store.save([await savedSession(1)]);
    await store.close();
    const ttl = await client.pttl('session-engine:ttl:1');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps names apart, and reset deletes only the keys of its own name', async () => {
    const a = await openStateStore(server.url, { name: 'keep-a' });
    const b = await openStateStore(server.url, { name: 'keep-b' });
    await a.save([await savedSession(1)]);
    await b.save([await savedSession(1)]);
    await Promise.all([a.close(), b.close()]);
    const reset = await openStateStore(server.url, { name: 'keep-a', reset: true });
    expect((await reset.load([1])).size).toBe(0);
    await reset.close();
    expect(await client.exists('session-engine:keep-a:1', 'session-engine:keep-b:1')).toBe(1);
  });

  it('stops on a corrupt or wrong-version key, naming the key and suggesting --session-state-reset', async () => {
    await client.set('session-engine:bad:1', '{"version": 1, "id": 1,');
    await client.set('session-engine:bad:2', JSON.stringify({ ...(await savedSession(2)), version: 9 }));
    const store = await openStateStore(server.url, { name: 'bad' });
    await expect(store.load([1])).rejects.toMatchObject({
      code: 'SE_ERR_STATE_STORE_CORRUPT',
      message: expect.stringMatching(/^session state redis:\/\/127\.0\.0\.1:\d+ key session-engine:bad:1 is corrupt: invalid JSON: .*--session-state-reset/),
    });
    await expect(store.load([2])).rejects.toMatchObject({ code: 'SE_ERR_STATE_STORE_VERSION', found: 9 });
    await store.close();
  });

  it('fails to open, within the connect timeout, when nothing listens: host, port and cause', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await openStateStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: 'SE_ERR_STATE_STORE_UNREACHABLE', host: '127.0.0.1', port });
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} for session_state: .*ECONNREFUSED`));
  });

  it('gives up within the connect timeout on a server that accepts and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await openStateStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toMatchObject({ code: 'SE_ERR_STATE_STORE_UNREACHABLE', port });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('fails a save while Redis is gone and saves again once it is back', async () => {
    const own = await startRedis();
    const lost: Error[] = [];
    const store = await openStateStore(own.url, { name: 'outage', onConnectionError: (error) => lost.push(error) });
    await store.save([await savedSession(1)]);
    await own.stop();
    await expect(store.save([await savedSession(2)])).rejects.toMatchObject({ code: 'SE_ERR_STATE_STORE_WRITE' });
    expect(lost.map((error) => error.message)).toEqual([expect.stringMatching(new RegExp(`^lost the connection to Redis at 127\\.0\\.0\\.1:${own.port}`))]);
    // Back on the same port: the store reconnects by itself and the next save goes through.
    const back = await startRedis(own.port);
    const second = await savedSession(2);
    try {
      await expect.poll(() => store.save([second]).then(() => true, () => false), { timeout: 10_000, interval: 200 }).toBe(true);
      const check = new Redis(back.url);
      expect(await check.exists('session-engine:outage:2')).toBe(1);
      await check.quit();
    } finally {
      await store.close();
      await back.stop();
    }
  });
});
