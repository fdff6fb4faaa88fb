/**
 * Long runs keep flat memory: nothing that lives for the whole run (the stop
 * and wake signals, or a promise settled only at the end) may collect a
 * reaction or a listener per control-loop wake or per retry back-off.
 *
 * Observed with V8's promise hooks: promises created and still pending. A
 * reaction left on a run-long promise is a derived promise that stays pending
 * until the run ends, so the pending count grows with every wake; work that
 * comes and goes (jobs, sleeps, requests) does not make it grow.
 */
import { getEventListeners } from 'node:events';
import { promiseHooks } from 'node:v8';
import { WorkerPool } from '@session-engine/worker-pool';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../src/index.js';
import type { Job } from '../src/index.js';
import { FakeSession, FakeSessions, MetricsRecorder, VirtualClock, config, networkError } from './fakes.js';

/** Counts promises created minus promises settled while it is on. */
function pendingPromises() {
  let pending = 0;
  // Typed as Function in @types/node; it takes no argument and returns nothing.
  const stop = promiseHooks.createHook({
    init: () => {
      pending++;
    },
    settled: () => {
      pending--;
    },
  }) as () => void;
  return {
    get count() {
      return pending;
    },
    stop,
  };
}

let stopHooks: (() => void) | undefined;
afterEach(() => {
  stopHooks?.();
  stopHooks = undefined;
});

function setup(cfg: Parameters<typeof config>[0], sessionCount: number, retry?: { baseDelay: number; maxDelay: number }) {
  const clock = new VirtualClock();
  const sessions = new FakeSessions(clock, sessionCount);
  const pool = new WorkerPool({ workers: sessionCount });
  pool.start();
  const metrics = new MetricsRecorder();
  // Every signal the scheduler sleeps on, to count the listeners left on it.
  const signals = new Set<AbortSignal>();
  let sleeping = 0;
  const scheduler = new Scheduler<FakeSession>({
    sessions,
    pool,
    metrics,
    config: config(cfg),
    now: clock.now,
    sleep: (ms, signal) => {
      signals.add(signal);
      sleeping++;
      return clock.sleep(ms, signal).finally(() => {
        sleeping--;
      });
    },
    random: () => 0.5,
    // No failure back-off: the sessions keep failing and retrying for the whole test.
    sessionBackoff: { threshold: 1_000_000 },
    ...(retry === undefined ? {} : { retry }),
  });
  const listeners = () => [...signals].reduce((n, signal) => n + getEventListeners(signal, 'abort').length, 0);
  return { clock, sessions, pool, metrics, scheduler, listeners, sleeping: () => sleeping };
}

const oneRequest: Job<FakeSession> = async (_session, ctx) => {
  await ctx.request({ path: '/' });
};

describe('Scheduler: flat memory on long runs', () => {
  it('open model: thousands of control-loop wakes leave no pending promise or listener behind', async () => {
    const { clock, scheduler, pool, listeners, sleeping } = setup({ rate: 1_000, duration: 60_000 }, 20);
    const hooks = pendingPromises();
    stopHooks = hooks.stop;
    const run = scheduler.start(oneRequest);
    await clock.runUntil(1_000);
    const before = hooks.count;
    await clock.runUntil(5_000); // 4 000 arrivals, each one a wake of the control loop
    const growth = hooks.count - before;
    const leftListeners = listeners();
    const inProgress = sleeping();
    hooks.stop();
    await scheduler.stop();
    const summary = await clock.run(run);
    await pool.stop();

    expect(summary.iterations).toBeGreaterThanOrEqual(5_000);
    // The old race against the wake promise left one pending reaction per wake: about 4 000 here.
    expect(growth).toBeLessThan(100);
    // Listeners only of the sleeps in progress (the loop's, the requests'), none left by ended sleeps.
    expect(leftListeners).toBeLessThanOrEqual(inProgress);
  });

  it('retries: thousands of back-offs leave no pending promise or listener behind', async () => {
    const { clock, sessions, scheduler, pool, metrics, listeners, sleeping } = setup(
      { duration: 60_000, max_retries: 3 },
      4,
      { baseDelay: 2, maxDelay: 4 },
    );
    for (const session of sessions.all()) session.reply = () => ({ error: networkError(), latency: 1 });
    const hooks = pendingPromises();
    stopHooks = hooks.stop;
    const run = scheduler.start(oneRequest);
    await clock.runUntil(1_000);
    const before = hooks.count;
    const retriesBefore = metrics.retries;
    await clock.runUntil(5_000);
    const growth = hooks.count - before;
    const retries = metrics.retries - retriesBefore;
    const leftListeners = listeners();
    const inProgress = sleeping();
    hooks.stop();
    await scheduler.stop();
    await clock.run(run);
    await pool.stop();

    // 4 sessions, each request 1 ms and 3 back-offs of 1, 2, 2 ms: about 2 400 back-offs in 4 s.
    expect(retries).toBeGreaterThan(2_000);
    // The old race against the halt promise left one pending reaction per back-off.
    expect(growth).toBeLessThan(100);
    expect(leftListeners).toBeLessThanOrEqual(inProgress);
  });
});
