import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, request, type Dispatcher } from 'undici';
import { OriginRouter } from './origin-router.js';

const servers: Server[] = [];
let router: OriginRouter | undefined;

afterEach(async () => {
  await router?.destroy();
  router = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listen(body: string): Promise<string> {
  const server = createServer((_req, res) => res.end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A router whose factory records which origins it was asked for. */
function recordingRouter(): { router: OriginRouter; made: string[] } {
  const made: string[] = [];
  const r = new OriginRouter((origin) => {
    made.push(origin);
    return new Client(origin);
  });
  return { router: r, made };
}

const text = async (url: string, dispatcher: Dispatcher): Promise<string> => (await request(url, { dispatcher })).body.text();

describe('OriginRouter', () => {
  it('makes one pool per origin on first use and routes every request of that origin to it', async () => {
    const a = await listen('a');
    const b = await listen('b');
    const built = recordingRouter();
    router = built.router;
    expect(built.made).toEqual([]);
    expect(await text(`${a}/1`, router)).toBe('a');
    expect(await text(`${b}/1`, router)).toBe('b');
    expect(await text(`${a}/2`, router)).toBe('a');
    expect(await text(`${b}/2`, router)).toBe('b');
    expect(built.made).toEqual([a, b]);
  });

  it('after close() new requests fail with UND_ERR_DESTROYED, through the handler', async () => {
    const a = await listen('a');
    const b = await listen('b');
    router = recordingRouter().router;
    expect(await text(`${a}/`, router)).toBe('a');
    await router.close();
    expect(router.closed).toBe(true);
    // The origin it had a pool for, and one it never saw.
    await expect(request(`${a}/`, { dispatcher: router })).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
    await expect(request(`${b}/`, { dispatcher: router })).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
  });

  it('destroy() reaches the pool of every origin', async () => {
    const a = await listen('a');
    const b = await listen('b');
    const pools: Client[] = [];
    router = new OriginRouter((origin) => {
      const client = new Client(origin);
      pools.push(client);
      return client;
    });
    await text(`${a}/`, router);
    await text(`${b}/`, router);
    await router.destroy();
    expect(router.destroyed).toBe(true);
    expect(pools.map((pool) => pool.destroyed)).toEqual([true, true]);
  });

  it('close(callback) and destroy(error, callback) call back instead of returning a promise, as undici dispatchers do', async () => {
    const a = await listen('a');
    const made: Client[] = [];
    const r = new OriginRouter((origin) => {
      const client = new Client(origin);
      made.push(client);
      return client;
    });
    router = r;
    await text(`${a}/`, r);
    const closed = await new Promise<unknown>((resolve) => resolve(r.close(() => undefined)));
    expect(closed).toBeUndefined();
    await new Promise<void>((resolve) => r.destroy(new Error('gone'), resolve));
    expect(made[0]!.destroyed).toBe(true);
  });
});
