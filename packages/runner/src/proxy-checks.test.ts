/**
 * Active health checks with real sockets: an HTTP proxy (npm `proxy`) whose
 * circuit was opened by hand is closed by a check through it; a dead one stays open.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@session-engine/logger';
import { ProxyManager, type ProxyEntry } from '@session-engine/proxy';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@session-engine/test-support';
import { checkProxy, startProxyChecks } from './proxy-checks.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('active proxy health checks', () => {
  it('closes the circuit of a proxy that answers again; leaves a dead one open', async () => {
    let hits = 0;
    const check = `http://127.0.0.1:${await listen(http.createServer((_req, res) => (hits++, res.end('ok'))))}/health`;
    const live = `http://127.0.0.1:${await listen(createProxy(http.createServer()))}`;
    const dead = `http://127.0.0.1:${await freePort()}`;
    const proxies = ProxyManager.fromText(`${live}\n${dead}`, { maxFailures: 1, cooldownMs: 60_000 });
    const events: string[] = [];
    proxies.subscribe((event) => events.push(`${event.type} ${event.entry.url}`));
    for (let i = 0; i < 2; i++) proxies.reportFailure(proxies.next() as ProxyEntry);
    expect(proxies.unhealthy()).toHaveLength(2);

    const options = { url: check, intervalMs: 100, timeoutMs: 2_000, connectTimeoutMs: 2_000, insecureTls: false };
    expect(await checkProxy(proxies.unhealthy()[1]!, options)).toBe(false);
    const stop = startProxyChecks(proxies, options, createLogger({ level: 'error' }));
    try {
      const deadline = Date.now() + 10_000;
      while (proxies.unhealthy().length > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      await stop();
    }
    expect(proxies.unhealthy().map((entry) => entry.url)).toEqual([dead]);
    expect(events).toEqual([`open ${live}`, `open ${dead}`, `closed ${live}`]);
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(proxies.report().map((row) => [row.circuit, row.requests])).toEqual([
      ['closed', 1],
      ['open', 1],
    ]);
  });
});
