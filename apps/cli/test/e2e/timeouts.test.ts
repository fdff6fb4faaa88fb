/**
 * `--timeout` (request_timeout) bounds the whole request, connecting
 * included, end to end: the built `engine` against a loopback listener whose
 * connects hang. Before, the deadline started only once undici had a socket,
 * so such a run took the connect timeout (tls_handshake_timeout, 10 s).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
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

// Runs in a worker thread: listens with a backlog of 1, reports its port, then
// blocks its event loop until told to stop, so nothing ever accepts.
const UNACCEPTING_WORKER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const server = net.createServer();
server.listen(0, '127.0.0.1', 1, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
  server.close();
});`;

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A loopback port whose connects hang: its accept queue is filled with held
 * connections (one at a time, until one no longer completes), and Linux then
 * drops further SYNs, whatever tcp_syncookies says.
 */
async function unacceptingPort(): Promise<number> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(UNACCEPTING_WORKER, { eval: true, workerData: flag.buffer });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const held: net.Socket[] = [];
  cleanups.push(async () => {
    for (const socket of held) socket.destroy();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await worker.terminate();
  });
  for (let connected = true; connected; ) {
    if (held.length > 64) throw new Error('the accept queue never filled: connects do not hang on this system');
    const socket = net.connect(port, '127.0.0.1').on('error', () => undefined);
    held.push(socket);
    connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
  return port;
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
