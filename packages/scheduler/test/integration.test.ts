/**
 * The scheduler with the real pieces: SessionManager (real undici clients
 * and cookie jars), WorkerPool and Metrics, against a node:http server on
 * 127.0.0.1. Bounded by iteration counts, never by wall-clock timing.
 */
import { getEventListeners, once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from '@session-engine/metrics';
import { SessionManager } from '@session-engine/session';
import { WorkerPool } from '@session-engine/worker-pool';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpectationError, Scheduler } from '../src/index.js';

interface Target {
  url: string;
  server: Server;
  /** Requests per session cookie. */
  perSid: Map<string, number>;
  flakyCalls: number;
}

async function startTarget(): Promise<Target> {
  let nextSid = 0;
  const flaky = new WeakMap<object, number>();
  const target = { perSid: new Map<string, number>(), flakyCalls: 0 } as Target;
  target.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const sid = /sid=(\d+)/.exec(req.headers.cookie ?? '')?.[1];
    if (sid === undefined) {
      res.setHeader('set-cookie', `sid=${++nextSid}; Path=/`);
    } else {
      target.perSid.set(sid, (target.perSid.get(sid) ?? 0) + 1);
    }
    if (req.url === '/flaky') {
      // Every other call on a connection (one per session) is a 503 asking for an immediate retry.
      const calls = flaky.get(req.socket) ?? 0;
      flaky.set(req.socket, calls + 1);
      target.flakyCalls++;
      if (calls % 2 === 0) {
        res.writeHead(503, { 'retry-after': '0' }).end('busy');
        return;
      }
    }
    if (req.url === '/busy') {
      res.writeHead(503).end('busy');
      return;
    }
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' }).end('ok');
  });
  target.server.listen(0, '127.0.0.1');
  await once(target.server, 'listening');
  target.url = `http://127.0.0.1:${(target.server.address() as AddressInfo).port}`;
  return target;
}

const sessionConfig = (url: string) => ({
  target_url: url,
  headers: {},
  request_timeout: 5_000,
  max_conns_per_host: 1,
  idle_conn_timeout: 10_000,
  tls_handshake_timeout: 5_000,
  insecure_tls: false,
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function world(sessions: number, workers: number) {
  const target = await startTarget();
  cleanup.push(async () => {
    target.server.closeAllConnections();
    target.server.close();
    await once(target.server, 'close');
  });
  const manager = new SessionManager({ config: sessionConfig(target.url) });
  cleanup.push(() => manager.stopAll());
  const created = await manager.createSessions(sessions);
  expect(created.errors).toEqual([]);
  manager.startAll();
  const pool = new WorkerPool({ workers });
  pool.start();
  cleanup.push(async () => {
    await pool.stop();
  });
  const metrics = new Metrics();
  return { target, manager, pool, metrics };
}

describe('Scheduler with real sessions', () => {
  it('closed model: every session works in turn with its own cookie jar; metrics add up', async () => {
    const { target, manager, pool, metrics } = await world(4, 2);
    const scheduler = new Scheduler({
      sessions: manager,
      pool,
      metrics,
      config: { rate: 0, duration: 0, iterations: 40, max_retries: 2, stages: [] },
    });
    const summary = await scheduler.start(async (_session, ctx) => {
      await ctx.request({ path: '/' }, { step: 'home', expectStatus: 200 });
    });
    expect(summary).toMatchObject({ reason: 'iterations', iterations: 40, succeeded: 40, failed: 0 });
    const snap = metrics.snapshot();
    expect(snap).toMatchObject({ total: 40, success: 40, failed: 0, retries: 0 });
    expect(snap.status_codes).toEqual({ '200': 40 });
    expect(snap.steps.home?.total).toBe(40);
    // Each session got its cookie on its first request and sent it on every later one.
    const counts = [...target.perSid.values()];
    expect(counts).toHaveLength(4);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(36);
    // FIFO turns: between two starts of a session every other one starts at most once.
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(7);
  });

  it('retries 503 with Retry-After, records expectation failures, and counts throwing iterations', async () => {
    const { target, manager, pool, metrics } = await world(2, 2);
    const scheduler = new Scheduler({
      sessions: manager,
      pool,
      metrics,
      config: { rate: 0, duration: 0, iterations: 6, max_retries: 3, stages: [] },
    });
    const errors: unknown[] = [];
    const summary = await scheduler.start(async (_session, ctx) => {
      const flaky = await ctx.request({ path: '/flaky' }, { step: 'flaky' });
      expect(flaky.status).toBe(200);
      try {
        await ctx.request({ path: '/missing' }, { step: 'missing', expectStatus: 200 });
      } catch (error) {
        errors.push(error);
        throw error;
      }
    });
    expect(summary).toMatchObject({ iterations: 6, succeeded: 0, failed: 6 });
    expect(errors).toHaveLength(6);
    expect(errors.every((e) => e instanceof ExpectationError)).toBe(true);
    const snap = metrics.snapshot();
    // 6 flaky requests, each 503 once then 200; 6 expectation failures.
    expect(snap).toMatchObject({ total: 12, success: 6, failed: 6, retries: 6 });
    expect(snap.errors).toEqual({ expectation: 6 });
    expect(target.flakyCalls).toBe(12);
  });

  it('keeps the listeners on its signals bounded by the sessions, over hundreds of back-offs with the default sleep', async () => {
    const sessions = 20;
    const { manager, pool, metrics } = await world(sessions, sessions);
    // Every AbortSignal that gets an abort listener during the run (the halt
    // signal each back-off sleeps on, the requests' signals), counted
    // directly, whatever the signal's max-listeners setting says.
    const signals = new Set<AbortSignal>();
    const addEventListener = EventTarget.prototype.addEventListener;
    const spy = vi.spyOn(EventTarget.prototype, 'addEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
      if (this instanceof AbortSignal && type === 'abort') signals.add(this);
      addEventListener.call(this, type, listener, options);
    });
    cleanup.push(async () => {
      spy.mockRestore();
    });
    let most = 0;
    const sample = (): void => {
      for (const signal of signals) most = Math.max(most, getEventListeners(signal, 'abort').length);
    };
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    cleanup.push(async () => {
      process.off('warning', onWarning);
    });
    const scheduler = new Scheduler({
      sessions: manager,
      pool,
      metrics,
      config: { rate: 0, duration: 0, iterations: 200, max_retries: 3, stages: [] },
      retry: { baseDelay: 1, maxDelay: 2 },
    });
    await scheduler.start(async (_session, ctx) => {
      sample();
      await ctx.request({ path: '/busy' });
    });
    sample();
    await new Promise((resolve) => setImmediate(resolve));

    // 200 iterations, each 503 three times before giving up: 600 back-offs.
    expect(metrics.snapshot()).toMatchObject({ total: 200, retries: 600 });
    expect(signals.size).toBeGreaterThan(0);
    // At most one sleep or request per session at a time; a listener left per back-off would be hundreds.
    expect(most).toBeLessThanOrEqual(sessions);
    // Nothing left once the run is over.
    expect([...signals].map((signal) => getEventListeners(signal, 'abort').length)).toEqual([...signals].map(() => 0));
    // 20 sessions backing off together is legitimate: no leak warning for it (scheduler.ts lifts the cap of 10).
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
