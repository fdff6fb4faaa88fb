import { WorkerPool } from '@session-engine/worker-pool';
import { describe, expect, it } from 'vitest';
import { IterationInterruptedError, Scheduler, SchedulerOptionsError, SchedulerStateError, UnknownSessionError } from '../src/index.js';
import type { Job, JobContext } from '../src/index.js';
import { FakeSession, FakeSessions, MetricsRecorder, VirtualClock, config, networkError } from './fakes.js';

interface Setup {
  sessions?: number;
  workers?: number;
  queueCapacity?: number;
  cfg?: Parameters<typeof config>[0];
  sessionBackoff?: { threshold?: number; baseDelay?: number; maxDelay?: number };
}

function setup(options: Setup = {}) {
  const clock = new VirtualClock();
  const sessions = new FakeSessions(clock, options.sessions ?? 3);
  const pool = new WorkerPool({
    workers: options.workers ?? 3,
    ...(options.queueCapacity === undefined ? {} : { queueCapacity: options.queueCapacity }),
  });
  pool.start();
  const metrics = new MetricsRecorder();
  const scheduler = new Scheduler<FakeSession>({
    sessions,
    pool,
    metrics,
    config: config(options.cfg),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...(options.sessionBackoff === undefined ? {} : { sessionBackoff: options.sessionBackoff }),
  });
  return { clock, sessions, pool, metrics, scheduler };
}

/** A job of one request taking `latency` virtual ms, logging each start. */
function requestJob(starts: { id: number; t: number; ctx: JobContext }[], clock: VirtualClock): Job<FakeSession> {
  return async (session, ctx) => {
    starts.push({ id: session.id, t: clock.t, ctx });
    await ctx.request({ path: '/' });
  };
}

/** Wraps a job to track how many jobs each session has in flight. */
function tracked(inner: Job<FakeSession>) {
  const running = new Map<number, number>();
  let maxPerSession = 0;
  const job: Job<FakeSession> = async (session, ctx) => {
    const n = (running.get(session.id) ?? 0) + 1;
    running.set(session.id, n);
    maxPerSession = Math.max(maxPerSession, n);
    try {
      await inner(session, ctx);
    } finally {
      running.set(session.id, n - 1);
    }
  };
  return { job, maxPerSession: () => maxPerSession };
}

describe('Scheduler: validation and lifecycle', () => {
  it('rejects invalid config with SE_ERR_SCHEDULER_INVALID_OPTIONS', () => {
    const base = setup();
    for (const cfg of [{ rate: -1 }, { iterations: 1.5 }, { duration: Number.NaN }, { max_retries: -1 }, { stages: [{ duration: -1, target: 1 }] }]) {
      expect(
        () =>
          new Scheduler({ sessions: base.sessions, pool: base.pool, metrics: base.metrics, config: config(cfg) }),
      ).toThrow(SchedulerOptionsError);
    }
  });

  it('runs once: start() twice, or after stop(), throws SE_ERR_SCHEDULER_STATE', async () => {
    const a = setup({ cfg: { iterations: 1 } });
    await a.clock.run(a.scheduler.start(() => undefined));
    await expect(a.scheduler.start(() => undefined)).rejects.toBeInstanceOf(SchedulerStateError);
    const b = setup();
    await b.scheduler.stop();
    await expect(b.scheduler.start(() => undefined)).rejects.toMatchObject({ code: 'SE_ERR_SCHEDULER_STATE' });
  });
});

describe('Scheduler: closed model', () => {
  it('never gives a session two jobs in flight, even with more workers than sessions', async () => {
    const { clock, sessions, scheduler } = setup({ sessions: 3, workers: 10, cfg: { iterations: 300 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const { job, maxPerSession } = tracked(requestJob(starts, clock));
    const summary = await clock.run(scheduler.start(job));
    expect(summary).toMatchObject({ reason: 'iterations', model: 'closed', iterations: 300, succeeded: 300, failed: 0 });
    expect(maxPerSession()).toBe(1);
    for (const session of sessions.all()) expect(session.maxInFlight).toBe(1);
  });

  it('runs each session back to back', async () => {
    const { clock, scheduler } = setup({ sessions: 2, workers: 2, cfg: { iterations: 10 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    await clock.run(scheduler.start(requestJob(starts, clock)));
    // 10 ms per job, no gaps: each session starts at 0, 10, 20, 30, 40.
    expect(starts.filter((s) => s.id === 1).map((s) => s.t)).toEqual([0, 10, 20, 30, 40]);
    expect(starts.filter((s) => s.id === 2).map((s) => s.t)).toEqual([0, 10, 20, 30, 40]);
  });

  it('gives sessions fair round-robin turns when there are fewer workers than sessions', async () => {
    const { clock, scheduler } = setup({ sessions: 10, workers: 2, queueCapacity: 2, cfg: { iterations: 100 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const { job, maxPerSession } = tracked(requestJob(starts, clock));
    await clock.run(scheduler.start(job));
    const perSession = new Map<number, number>();
    for (const s of starts) perSession.set(s.id, (perSession.get(s.id) ?? 0) + 1);
    expect([...perSession.values()]).toEqual(Array.from({ length: 10 }, () => 10));
    // Strict rotation: every window of 10 consecutive starts has each session once.
    for (let i = 0; i + 10 <= starts.length; i += 10) {
      expect(new Set(starts.slice(i, i + 10).map((s) => s.id)).size).toBe(10);
    }
    expect(maxPerSession()).toBe(1);
  });

  it('starts exactly `iterations` jobs and counts iteration numbers from 1', async () => {
    const { clock, scheduler } = setup({ sessions: 4, workers: 3, cfg: { iterations: 37 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const summary = await clock.run(scheduler.start(requestJob(starts, clock)));
    expect(summary.iterations).toBe(37);
    expect(starts).toHaveLength(37);
    expect(starts.map((s) => s.ctx.iteration).sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i + 1));
  });

  it('stops after the duration and starts no job at or after the deadline', async () => {
    const { clock, scheduler } = setup({ sessions: 2, workers: 2, cfg: { duration: 1_000 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const job: Job<FakeSession> = async (session, ctx) => {
      starts.push({ id: session.id, t: clock.t, ctx });
      await clock.sleep(100);
    };
    const summary = await clock.run(scheduler.start(job));
    expect(summary.reason).toBe('duration');
    expect(Math.max(...starts.map((s) => s.t))).toBeLessThan(1_000);
    expect(summary.iterations).toBe(20); // 2 sessions x starts at 0, 100, ..., 900
    expect(summary.elapsedMs).toBe(1_000);
  });

  it('counts a throwing job as a failed iteration, not as a request', async () => {
    const { clock, scheduler, metrics } = setup({ sessions: 1, workers: 1, cfg: { iterations: 4 } });
    let n = 0;
    const summary = await clock.run(
      scheduler.start(async (_session, ctx) => {
        await ctx.request({});
        if (++n % 2 === 0) throw new Error('scenario bug');
      }),
    );
    expect(summary).toMatchObject({ iterations: 4, succeeded: 2, failed: 2 });
    expect(metrics.requests).toHaveLength(4);
    expect(metrics.requests.every((r) => r.outcome === 'success')).toBe(true);
  });

  it('backs a session off after consecutive failed iterations, exponentially', async () => {
    const { clock, scheduler } = setup({
      sessions: 1,
      workers: 1,
      cfg: { duration: 10_000 },
      sessionBackoff: { threshold: 2, baseDelay: 1_000, maxDelay: 4_000 },
    });
    const starts: number[] = [];
    const summary = await clock.run(
      scheduler.start(async () => {
        starts.push(clock.t);
        await clock.sleep(10);
        throw new Error('broken');
      }),
    );
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number) - 10);
    // Two failures back to back, then waits of >= 1 s, 2 s, 4 s, 4 s (capped).
    expect(gaps[0]).toBe(0);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(2_000);
    expect(gaps[3]).toBeGreaterThanOrEqual(4_000);
    expect(gaps[1]).toBeLessThan(2_000);
    expect(summary.failed).toBe(starts.length);
    expect(starts.length).toBeLessThanOrEqual(6); // not ~1000 as without back-off
  });

  it('ramps the number of active sessions through the stages', async () => {
    const { clock, scheduler, metrics } = setup({
      sessions: 4,
      workers: 4,
      cfg: { stages: [{ duration: 1_000, target: 4 }, { duration: 1_000, target: 1 }] },
    });
    const running = new Set<number>();
    const violations: string[] = [];
    const job: Job<FakeSession> = async (session) => {
      running.add(session.id);
      // Target at this instant (rounded), from the same stage math.
      const t = clock.t;
      const target = Math.round(t < 1_000 ? (4 * t) / 1_000 : 4 - (3 * (t - 1_000)) / 1_000);
      // Allow one tick (50 ms) of lag in either direction: 4 sessions per second.
      if (running.size > target + 1) violations.push(`t=${t} running=${running.size} target=${target}`);
      await clock.sleep(10);
      running.delete(session.id);
    };
    const summary = await clock.run(scheduler.start(job));
    expect(summary.reason).toBe('duration'); // the sum of the stages
    expect(summary.elapsedMs).toBe(2_000);
    expect(violations).toEqual([]);
    expect(Math.max(...metrics.active)).toBe(4);
    expect(metrics.active[0]).toBe(0);
    expect(metrics.active.at(-1)).toBe(1);
    // Rises to 4, then falls back to 1.
    const peak = metrics.active.indexOf(4);
    expect(metrics.active.slice(0, peak).every((n, i, a) => i === 0 || n >= (a[i - 1] as number))).toBe(true);
    expect(metrics.active.slice(peak).every((n, i, a) => i === 0 || n <= (a[i - 1] as number))).toBe(true);
  });

  it('stop() is prompt and idempotent: no job starts after it returns; running jobs finish', async () => {
    const { clock, scheduler, pool } = setup({ sessions: 6, workers: 2, queueCapacity: 2 });
    const starts: number[] = [];
    let finished = 0;
    const job: Job<FakeSession> = async () => {
      starts.push(clock.t);
      await clock.sleep(50);
      finished++;
    };
    const run = scheduler.start(job);
    await clock.runUntil(120);
    await scheduler.stop();
    const startedBeforeStop = starts.length;
    await scheduler.stop(); // idempotent
    const summary = await clock.run(run);
    expect(starts).toHaveLength(startedBeforeStop);
    expect(summary).toMatchObject({ reason: 'stopped', iterations: startedBeforeStop, succeeded: startedBeforeStop });
    expect(finished).toBe(startedBeforeStop);
    // Jobs that were queued in the pool were skipped, and the pool is idle.
    expect(pool.stats()).toMatchObject({ active: 0, queued: 0, waiting: 0 });
    await expect(scheduler.stop()).resolves.toBeUndefined();
  });

  it('lets jobs in flight at the stop finish: ctx.signal is not aborted by the duration', async () => {
    const { clock, scheduler } = setup({ sessions: 3, workers: 3, cfg: { duration: 100 } });
    const job: Job<FakeSession> = async (_session, ctx) => {
      await clock.sleep(500, ctx.signal);
      ctx.signal.throwIfAborted();
    };
    const summary = await clock.run(scheduler.start(job));
    expect(summary).toMatchObject({ reason: 'duration', iterations: 3, succeeded: 3, failed: 0, interrupted: 0 });
    expect(clock.t).toBe(500);
  });

  it('interrupt() aborts ctx.signal; jobs ending on it count as interrupted, not failed', async () => {
    const { clock, scheduler } = setup({ sessions: 3, workers: 3, cfg: { duration: 100 } });
    const signals = new Set<AbortSignal>();
    const job: Job<FakeSession> = async (_session, ctx) => {
      signals.add(ctx.signal);
      await clock.sleep(10_000, ctx.signal);
      ctx.signal.throwIfAborted();
    };
    const summary = await clock.run(scheduler.start(job), {
      onTick: () => {
        if (clock.t >= 100) scheduler.interrupt(); // the duration ended; the graceful time is up at once
      },
    });
    expect(signals.size).toBe(1); // one signal for the whole run
    const [signal] = [...signals];
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(IterationInterruptedError);
    expect(summary).toMatchObject({ reason: 'duration', iterations: 3, succeeded: 0, failed: 0, interrupted: 3 });
    expect(clock.t).toBeLessThan(10_000);
  });

  it('an abort of a job\'s own before the hard stop is a failure, not an interruption', async () => {
    const { clock, scheduler } = setup({ sessions: 1, workers: 1, cfg: { iterations: 2 } });
    const job: Job<FakeSession> = () => {
      throw Object.assign(new Error('mine'), { name: 'AbortError' });
    };
    const summary = await clock.run(scheduler.start(job));
    expect(summary).toMatchObject({ iterations: 2, failed: 2, interrupted: 0 });
  });

  it('abandon() gives up on jobs that ignore the signal: start() resolves, they count as interrupted', async () => {
    const { clock, scheduler } = setup({ sessions: 4, workers: 4, cfg: { duration: 100 } });
    let finishedLate = 0;
    const job: Job<FakeSession> = async () => {
      await clock.sleep(60_000); // ignores ctx.signal
      finishedLate++;
    };
    let runningAtAbandon = -1;
    const summary = await clock.run(scheduler.start(job), {
      onTick: () => {
        if (clock.t < 100 || runningAtAbandon !== -1) return; // the duration ended, the jobs keep going
        runningAtAbandon = scheduler.running;
        scheduler.abandon();
        scheduler.abandon(); // idempotent
      },
    });
    expect(runningAtAbandon).toBe(4);
    expect(summary).toMatchObject({ reason: 'duration', iterations: 4, succeeded: 0, failed: 0, interrupted: 4 });
    // The jobs finishing later change nothing.
    await clock.run(clock.sleep(70_000));
    expect(finishedLate).toBe(4);
    expect(summary.interrupted).toBe(4);
  });

  it('interrupt() during an iterations run stops issuing and aborts the signal', async () => {
    const { clock, scheduler } = setup({ sessions: 2, workers: 2, cfg: { iterations: 1000 } });
    const job: Job<FakeSession> = async (_session, ctx) => {
      await clock.sleep(10, ctx.signal);
      ctx.signal.throwIfAborted();
    };
    const summary = await clock.run(scheduler.start(job), {
      onTick: () => {
        if (clock.t >= 55) scheduler.interrupt();
      },
    });
    expect(summary.iterations).toBeLessThan(20);
    expect(summary.succeeded + summary.interrupted).toBe(summary.iterations);
    expect(summary.interrupted).toBe(2);
    expect(summary.failed).toBe(0);
  });

  it('calls onStopping once, when the iteration budget is issued, before the last jobs finish', async () => {
    const clock = new VirtualClock();
    const sessions = new FakeSessions(clock, 2);
    const pool = new WorkerPool({ workers: 2 });
    pool.start();
    const calls: { reason: string; t: number; finished: number }[] = [];
    let finished = 0;
    const scheduler = new Scheduler<FakeSession>({
      sessions,
      pool,
      metrics: new MetricsRecorder(),
      config: config({ iterations: 4 }),
      now: clock.now,
      sleep: clock.sleep,
      onStopping: (reason) => calls.push({ reason, t: clock.t, finished }),
    });
    const summary = await clock.run(
      scheduler.start(async () => {
        await clock.sleep(100);
        finished++;
      }),
    );
    await scheduler.stop();
    expect(summary.iterations).toBe(4);
    expect(calls).toEqual([{ reason: 'iterations', t: 100, finished: 2 }]);
  });

  it('hands onIterationFailed what each failed iteration threw, not interrupted ones, and survives a throwing callback', async () => {
    const clock = new VirtualClock();
    const sessions = new FakeSessions(clock, 2);
    const pool = new WorkerPool({ workers: 2 });
    pool.start();
    const seen: unknown[] = [];
    const scheduler = new Scheduler<FakeSession>({
      sessions,
      pool,
      metrics: new MetricsRecorder(),
      config: config({ duration: 100 }),
      now: clock.now,
      sleep: clock.sleep,
      onIterationFailed: (error) => {
        seen.push(error);
        throw new Error('callback bug');
      },
    });
    let started = 0;
    const job: Job<FakeSession> = async (_session, ctx) => {
      const n = ++started;
      if (n <= 2) {
        await clock.sleep(10);
        throw new Error(`failure ${n}`);
      }
      // Later iterations wait until the hard stop cuts them off: interrupted, not failed.
      await clock.sleep(10_000, ctx.signal);
      ctx.signal.throwIfAborted();
    };
    const summary = await clock.run(scheduler.start(job), {
      onTick: () => {
        if (clock.t >= 100) scheduler.interrupt();
      },
    });
    expect(summary.failed).toBe(2);
    expect(summary.interrupted).toBeGreaterThan(0);
    expect(seen.map((e) => (e as Error).message)).toEqual(['failure 1', 'failure 2']);
  });

  it('rejects an onIterationFailed that is not a function', () => {
    const clock = new VirtualClock();
    expect(
      () =>
        new Scheduler<FakeSession>({
          sessions: new FakeSessions(clock, 1),
          pool: new WorkerPool({ workers: 1 }),
          metrics: new MetricsRecorder(),
          config: config({ duration: 100 }),
          onIterationFailed: 'log' as unknown as () => void,
        }),
    ).toThrow(SchedulerOptionsError);
  });

  it('pauses and resumes a session', async () => {
    const { clock, sessions, scheduler } = setup({ sessions: 2, workers: 2, cfg: { duration: 1_000 } });
    scheduler.pauseSession(1);
    expect(sessions.get(1)?.state).toBe('paused');
    const starts: { id: number; t: number }[] = [];
    const job: Job<FakeSession> = async (session) => {
      starts.push({ id: session.id, t: clock.t });
      await clock.sleep(100);
    };
    const run = scheduler.start(job);
    await clock.runUntil(300);
    expect(starts.filter((s) => s.id === 1)).toEqual([]);
    scheduler.resumeSession(1);
    expect(sessions.get(1)?.state).toBe('active');
    await clock.runUntil(550);
    scheduler.pauseSession(2); // its running job finishes; no new one after
    await clock.run(run);
    const one = starts.filter((s) => s.id === 1).map((s) => s.t);
    const two = starts.filter((s) => s.id === 2).map((s) => s.t);
    expect(one[0]).toBe(300);
    expect(one.length).toBe(7); // 300, 400, ..., 900
    expect(two).toEqual([0, 100, 200, 300, 400, 500]);
    expect(() => scheduler.pauseSession(99)).toThrow(UnknownSessionError);
  });

  it('skips sessions paused or closed through the session itself, and follows sessions added later', async () => {
    const { clock, sessions, scheduler } = setup({ sessions: 3, workers: 3, cfg: { duration: 2_000 } });
    (sessions.get(2) as FakeSession).state = 'paused';
    (sessions.get(3) as FakeSession).state = 'closed';
    const ids = new Set<number>();
    const run = scheduler.start(async (session) => {
      ids.add(session.id);
      await clock.sleep(100);
    });
    await clock.runUntil(500);
    sessions.map.set(4, new FakeSession(4, clock)); // SessionManager.add() at runtime
    await clock.run(run);
    expect([...ids].sort()).toEqual([1, 4]);
  });

  it('ends the run as stopped when the pool is stopped under it', async () => {
    const { clock, scheduler, pool } = setup({ sessions: 2, workers: 1, queueCapacity: 1 });
    const run = scheduler.start(async () => {
      await clock.sleep(10);
    });
    await clock.runUntil(25);
    void pool.stop({ drain: false });
    const summary = await clock.run(run);
    expect(summary.reason).toBe('stopped');
  });
});

describe('Scheduler: open model', () => {
  it('spaces starts exactly 1/rate apart and gives each its intended start time', async () => {
    const { clock, scheduler, metrics } = setup({ sessions: 5, workers: 5, cfg: { rate: 10, iterations: 10 } });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const summary = await clock.run(scheduler.start(requestJob(starts, clock)));
    expect(summary).toMatchObject({ reason: 'iterations', model: 'open', iterations: 10, dropped: 0 });
    expect(starts.map((s) => s.ctx.intendedStart)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    // On time here, so each latency is just the 10 ms request.
    expect(metrics.requests.map((r) => r.latencyMicros)).toEqual(Array.from({ length: 10 }, () => 10_000));
  });

  it('catches up after a late tick: each due start keeps its own intended time, latency counts from it', async () => {
    const clock = new VirtualClock();
    const sessions = new FakeSessions(clock, 5);
    const pool = new WorkerPool({ workers: 5 });
    pool.start();
    const metrics = new MetricsRecorder();
    let lagged = false;
    const scheduler = new Scheduler<FakeSession>({
      sessions,
      pool,
      metrics,
      config: config({ rate: 10, iterations: 4 }),
      now: clock.now,
      // The first control-loop sleep overshoots by 230 ms (a blocked event loop).
      sleep: (ms, signal) => {
        const extra = !lagged && ms > 0 ? 230 : 0;
        if (extra > 0) lagged = true;
        return clock.sleep(ms + extra, signal);
      },
    });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    await clock.run(scheduler.start(requestJob(starts, clock)));
    expect(starts.map((s) => s.ctx.intendedStart)).toEqual([0, 100, 200, 300]);
    // The loop meant to wake at 50 woke at 280: starts 1 and 2 were issued then, late.
    expect(starts.map((s) => s.t)).toEqual([0, 280, 280, 300]);
    // Latency counts from the intended start: the 180 and 80 ms of lateness are not hidden.
    expect(metrics.requests.map((r) => r.latencyMicros)).toEqual([10_000, 190_000, 90_000, 10_000]);
  });

  it('drops a start when no session is idle, and never gives a session two jobs', async () => {
    const { clock, scheduler, metrics } = setup({ sessions: 2, workers: 4, cfg: { rate: 100, duration: 200 } });
    const { job, maxPerSession } = tracked(async () => {
      await clock.sleep(50);
    });
    const summary = await clock.run(scheduler.start(job));
    // 20 starts due in 200 ms; 2 sessions busy 50 ms each can take at most ~8.
    expect(summary.iterations + summary.dropped).toBe(20);
    expect(summary.dropped).toBeGreaterThanOrEqual(12);
    expect(metrics.dropped).toBe(summary.dropped);
    expect(summary.droppedByCause).toEqual({ no_idle_session: summary.dropped, pool_full: 0 });
    expect(metrics.droppedByCause).toEqual(summary.droppedByCause);
    expect(maxPerSession()).toBe(1);
  });

  it('runs every arrival on an idle session whatever its past failures: failures are failures, not drops', async () => {
    const { clock, sessions, scheduler, metrics } = setup({
      sessions: 5,
      workers: 5,
      cfg: { rate: 100, duration: 2_000, max_retries: 0 },
      // Would bench a session after 2 failed iterations for >= 1 s in the closed model.
      sessionBackoff: { threshold: 2, baseDelay: 1_000, maxDelay: 4_000 },
    });
    for (const session of sessions.all()) session.reply = () => ({ error: networkError('ECONNREFUSED') });
    const summary = await clock.run(scheduler.start(async (_session, ctx) => {
      await ctx.request({ path: '/' });
    }));
    // 100 starts/s for 2 s, each failing after 10 ms on one of 5 idle sessions.
    expect(summary).toMatchObject({ iterations: 200, failed: 200, succeeded: 0, dropped: 0 });
    expect(summary.droppedByCause).toEqual({ no_idle_session: 0, pool_full: 0 });
    expect(metrics.dropped).toBe(0);
    expect(metrics.requests).toHaveLength(200);
    expect(metrics.requests.every((r) => r.outcome === 'failure' && r.kind === 'ECONNREFUSED')).toBe(true);
  });

  it('drops a start when the pool queue is full', async () => {
    const { clock, scheduler, metrics } = setup({ sessions: 10, workers: 1, queueCapacity: 1, cfg: { rate: 100, iterations: 5 } });
    const summary = await clock.run(
      scheduler.start(async () => {
        await clock.sleep(1_000);
      }),
    );
    // One runs, one waits in the queue; the rest find the queue full until the limit.
    expect(metrics.dropped).toBe(summary.dropped);
    expect(summary.dropped).toBeGreaterThan(0);
    // Idle sessions were there (10 of them): every drop is the pool's queue.
    expect(summary.droppedByCause).toEqual({ no_idle_session: 0, pool_full: summary.dropped });
    expect(summary.iterations).toBe(5);
  });

  it('ramps the rate through stages', async () => {
    const { clock, scheduler } = setup({
      sessions: 50,
      workers: 50,
      cfg: { rate: 10, stages: [{ duration: 2_000, target: 30 }] },
    });
    const starts: { id: number; t: number; ctx: JobContext }[] = [];
    const summary = await clock.run(scheduler.start(requestJob(starts, clock)));
    // Area under 10 -> 30 per second over 2 s = 40 starts (arrivals 0..39; the 41st is due exactly at 2 s).
    expect(summary.iterations).toBe(40);
    const intended = starts.map((s) => s.ctx.intendedStart);
    const gaps = intended.slice(1).map((t, i) => t - (intended[i] as number));
    expect(gaps[0]).toBeGreaterThan(90); // ~10/s at the start
    expect(gaps[0]).toBeLessThan(100);
    expect(gaps.at(-1)).toBeLessThan(40); // ~30/s at the end
    expect(gaps.every((g, i) => i === 0 || g <= (gaps[i - 1] as number) + 1e-9)).toBe(true);
  });
});
