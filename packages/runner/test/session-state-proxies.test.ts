/**
 * run() with session_state and a proxy file: a restored session starts on the proxy it had
 * (its exit IP), whatever the list's order; one whose proxy left the list takes a new one.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { createProxy } from 'proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../src/index.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'se-runner-state-proxies-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startProxy(): Promise<string> {
  const proxy = createProxy(http.createServer());
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
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

describe('run() with session_state and proxies', () => {
  it('keeps each restored session on its saved proxy, and moves one whose proxy left the list', async () => {
    const [a, b] = [await startProxy(), await startProxy()];
    const proxies = join(dir, 'proxies.txt');
    const state = join(dir, 'state.json');
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) });
    const once = (list: string[]) => {
      writeFileSync(proxies, `${list.join('\n')}\n`);
      return run({ config: parseConfig({ target_url: server.url, number_of_sessions: 2, iterations: 2, proxy_file: proxies, session_state: state, log_level: 'warn' }), logger, logMetrics: false });
    };
    const savedProxies = (): Record<string, string | null> =>
      Object.fromEntries(Object.entries((JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, { proxy: string | null }> }).sessions).map(([id, s]) => [id, s.proxy]));

    expect((await once([a, b])).failed).toBe(0);
    expect(savedProxies()).toEqual({ '1': a, '2': b });

    // The list in another order: the rotation alone would swap them.
    const reordered = await once([b, a]);
    expect(reordered.session_state).toMatchObject({ restored: 2, proxies_replaced: 0 });
    expect(savedProxies()).toEqual({ '1': a, '2': b });

    // a is gone: session 1 takes the rotation's next (b), session 2 keeps b.
    const shrunk = await once([b]);
    expect(shrunk).toMatchObject({ failed: 0, session_state: { restored: 2, proxies_replaced: 1 } });
    expect(savedProxies()).toEqual({ '1': b, '2': b });
    expect(lines.join('')).toContain(`session 1: its saved proxy ${a} is no longer in the proxy list; it takes a new one`);
  });
});
