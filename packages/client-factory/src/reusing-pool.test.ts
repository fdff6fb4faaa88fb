import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ReusingPool } from './reusing-pool.js';

let server: Server | undefined;
let pool: ReusingPool | undefined;

afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer(handler).on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('ReusingPool', () => {
  it('keeps sequential requests on one socket (undici Pool alternates two)', async () => {
    const target = await listen((_req, res) => res.end('ok'));
    pool = new ReusingPool(target.url, { connections: 200 });
    for (let i = 0; i < 20; i += 1) {
      const res = await request(`${target.url}/`, { dispatcher: pool });
      expect(await res.body.text()).toBe('ok');
    }
    expect(target.connections()).toBe(1);
  });

  it('opens more sockets only for concurrent requests, up to the limit', async () => {
    const target = await listen((_req, res) => setTimeout(() => res.end('ok'), 20));
    pool = new ReusingPool(target.url, { connections: 3 });
    const all = Array.from({ length: 6 }, () => request(`${target.url}/`, { dispatcher: pool }).then((r) => r.body.text()));
    expect(await Promise.all(all)).toEqual(Array(6).fill('ok'));
    expect(target.connections()).toBe(3);
    expect(pool.clients).toHaveLength(3);
  });

  it('destroy aborts in-flight requests and close resolves', async () => {
    const target = await listen(() => {
      /* never answers */
    });
    pool = new ReusingPool(target.url, { connections: 2 });
    const pending = request(`${target.url}/`, { dispatcher: pool });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
    expect(pool.destroyed).toBe(true);
  });
});
