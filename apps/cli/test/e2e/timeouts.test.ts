/**
 * `--timeout` (request_timeout) bounds the whole request, connecting
 * included, end to end: the built `engine` against a loopback listener whose
 * connects hang. Before, the deadline started only once undici had a socket,
 * so such a run took the connect timeout (tls_handshake_timeout, 10 s).
 */
import net from 'node:net';
import { unacceptingListener } from '@session-engine/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { runEngine } from './processes.js';

interface Report {
  duration: number;
  total: number;
  failed: number;
  retries: number;
  errors: Record<string, number>;
  latency: { max: number };
}


const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A loopback port whose connects hang (its accept queue is full): see @session-engine/test-support. */
async function unacceptingPort(): Promise<number> {
  const listener = await unacceptingListener();
  cleanups.push(() => listener.close());
  return listener.port;
}

/** Confirms the listener really hangs a connect (otherwise the test below would prove nothing). */
async function connectHangs(port: number, ms: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1').on('error', () => undefined);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  } finally {
    socket.destroy();
  }
}

describe('engine run --timeout against a listener that never accepts', () => {
  it('fails each request at the request timeout (kind timeout), not after the 10 s connect timeout', async () => {
    const port = await unacceptingPort();
    expect(await connectHangs(port, 1_000)).toBe(true);

    const started = performance.now();
    const result = await runEngine(
      ['run', '-t', `http://127.0.0.1:${port}/`, '-s', '2', '-n', '2', '--timeout', '2s', '--retries', '0', '--json'],
      { timeoutMs: 30_000 },
    );
    const elapsed = performance.now() - started;
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;

    expect(report).toMatchObject({ total: 2, failed: 2, retries: 0, errors: { timeout: 2 } });
    // About 2 s each (both sessions at once); the old behaviour took the 10 s connect timeout.
    expect(report.latency.max).toBeGreaterThanOrEqual(1_900);
    expect(report.latency.max).toBeLessThan(5_000);
    expect(report.duration).toBeLessThan(6);
    expect(elapsed).toBeLessThan(9_000);
  });
});
