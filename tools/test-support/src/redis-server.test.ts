import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, redisServerMissing, startRedis } from './redis-server.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  it('picks a port below the ephemeral range, which outgoing connections and listen(0) never take', async () => {
    const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralStart!);
    }
  });
});

describe.skipIf(redisServerMissing !== undefined)('startRedis', () => {
  it('waits for its port when something still holds it, instead of failing the test that restarts Redis there', async () => {
    const port = await freePort();
    const holder = await listen(port);
    setTimeout(() => holder.close(), 500);
    const redis = await startRedis(port);
    try {
      expect(redis.port).toBe(port);
    } finally {
      await redis.stop();
    }
  });

  it('says why when the port stays taken', async () => {
    const port = await freePort();
    const holder = await listen(port);
    try {
      await expect(startRedis(port)).rejects.toThrow(new RegExp(`redis-server exited with 1 on port ${port}: .*Address already in use`, 's'));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 15_000);
});
