import { describe, expect, it, vi } from 'vitest';
import {
  JobDroppedError,
  WorkerPool,
  WorkerPoolError,
  WorkerPoolOptionsError,
  WorkerPoolStoppedError,
} from './index.js';
import type { JobResult, SubmittedJob } from './index.js';

/** A promise resolved from outside (Node 20 has no Promise.withResolvers). */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending microtask and immediate run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A job that stays running until released; records whether it started. */
function gate(log?: string[], name?: string) {
  const release = deferred();
  let started = false;
  return {
    get started() {
      return started;
    },
    release: () => release.resolve(),
    job: async () => {
      started = true;
      if (log && name) log.push(name);
      await release.promise;
      return name;
    },
  };
}

describe('WorkerPool options', () => {
  it('rejects invalid options with SE_ERR_POOL_INVALID_OPTIONS', () => {
    for (const options of [{ workers: 0 }, { workers: 1.5 }, { workers: 2, queueCapacity: 0 }, { workers: Number.NaN }]) {
      const error = (() => {
        try {
          new WorkerPool(options);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(WorkerPoolOptionsError);
      expect(error).toBeInstanceOf(WorkerPoolError);
      expect((error as WorkerPoolError).code).toBe('SE_ERR_POOL_INVALID_OPTIONS');
    }
  });

  it('defaults the queue capacity to workers x 4', () => {
    expect(new WorkerPool({ workers: 3 }).stats().queueCapacity).toBe(12);
    expect(new WorkerPool({ workers: 3, queueCapacity: 5 }).stats().queueCapacity).toBe(5);
  });
});

describe('WorkerPool', () => {
  it('queues but runs nothing before start()', async () => {
    const pool = new WorkerPool({ workers: 2 });
    let ran = 0;
    await pool.submit(() => ran++);
    await flush();
    expect(ran).toBe(0);
    expect(pool.stats().queued).toBe(1);
    pool.start();
    pool.start(); // idempotent
    await flush();
    expect(ran).toBe(1);
    await pool.stop();
  });

  it('never runs more jobs at once than it has workers', async () => {
    const pool = new WorkerPool({ workers: 3, queueCapacity: 100 });
    pool.start();
    let running = 0;
    let peak = 0;
    const jobs: Promise<JobResult<void>>[] = [];
    for (let i = 0; i < 50; i++) {
      const submitted = await pool.submit(async () => {
        running++;
        peak = Math.max(peak, running);
        expect(pool.stats().active).toBeLessThanOrEqual(3);
        await flush();
        running--;
      });
      jobs.push(submitted.done);
    }
    await Promise.all(jobs);
    expect(peak).toBe(3);
    expect(pool.stats()).toMatchObject({ completed: 50, failed: 0, active: 0, queued: 0 });
    await pool.stop();
  });

  it('runs jobs in FIFO order', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 10 });
    const order: number[] = [];
    for (let i = 0; i < 10; i++) await pool.submit(() => order.push(i));
    pool.start();
    await pool.stop();
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('applies back-pressure: submit waits while the queue is full, then resolves when a slot frees', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 2 });
    pool.start();
    const first = gate();
    await pool.submit(first.job);
    await flush(); // first is now running, queue empty
    expect(first.started).toBe(true);
    await pool.submit(() => 'q1');
    await pool.submit(() => 'q2');
    expect(pool.stats().queued).toBe(2);

    let blockedResolved = false;
    const blocked = pool.submit(() => 'blocked').then((job) => {
      blockedResolved = true;
      return job;
    });
    await flush();
    expect(blockedResolved).toBe(false);
    expect(pool.stats()).toMatchObject({ queued: 2, waiting: 1 });

    first.release();
    const job = await blocked;
    expect(blockedResolved).toBe(true);
    expect(pool.stats().queued).toBeLessThanOrEqual(2);
    expect(await job.done).toEqual({ ok: true, value: 'blocked' });
    await pool.stop();
  });

  it('serves waiting submitters first come, first served and never exceeds the queue capacity', async () => {
    const pool = new WorkerPool({ workers: 2, queueCapacity: 3 });
    const order: number[] = [];
    let maxQueued = 0;
    const submits: Promise<SubmittedJob<void>>[] = [];
    // 20 submitters at once against 3 slots: 17 wait.
    for (let i = 0; i < 20; i++) {
      submits.push(
        pool.submit(async () => {
          order.push(i);
          maxQueued = Math.max(maxQueued, pool.stats().queued);
          await flush();
        }),
      );
    }
    expect(pool.stats()).toMatchObject({ queued: 3, waiting: 17 });
    pool.start();
    const jobs = await Promise.all(submits);
    await Promise.all(jobs.map((j) => j.done));
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(maxQueued).toBeLessThanOrEqual(3);
    expect(jobs.map((j) => j.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await pool.stop();
  });

  it('counts throwing and rejecting jobs as failed, reports them, and keeps every worker', async () => {
    const onJobError = vi.fn(() => {
      throw new Error('a faulty hook must not hurt the pool');
    });
    const pool = new WorkerPool({ workers: 2, queueCapacity: 20, onJobError });
    pool.start();
    const syncError = new Error('sync');
    const bad1 = await pool.submit(() => {
      throw syncError;
    });
    const bad2 = await pool.submit(() => Promise.reject(new Error('async')));
    expect(await bad1.done).toEqual({ ok: false, error: syncError });
    const r2 = await bad2.done;
    expect(r2.ok).toBe(false);
    expect(onJobError).toHaveBeenCalledTimes(2);
    expect(onJobError).toHaveBeenCalledWith(syncError, bad1.id);

    // Both workers still exist: two gated jobs run at the same time.
    const a = gate();
    const b = gate();
    await pool.submit(a.job);
    await pool.submit(b.job);
    await flush();
    expect(a.started && b.started).toBe(true);
    expect(pool.stats()).toMatchObject({ workers: 2, active: 2, failed: 2, completed: 0 });
    a.release();
    b.release();
    await pool.stop();
    expect(pool.stats()).toMatchObject({ active: 0, failed: 2, completed: 2 });
  });

  it('never rejects done, so an ignored failing job raises no unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const pool = new WorkerPool({ workers: 1 });
      pool.start();
      await pool.submit(() => Promise.reject(new Error('ignored')));
      await pool.stop();
      await flush();
      expect(unhandled).not.toHaveBeenCalled();
      expect(pool.stats().failed).toBe(1);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('stop() drains queued and in-flight jobs', async () => {
    const pool = new WorkerPool({ workers: 2, queueCapacity: 10 });
    pool.start();
    const running = gate();
    await pool.submit(running.job);
    const ran: number[] = [];
    for (let i = 0; i < 6; i++) await pool.submit(() => ran.push(i));
    let stopped = false;
    const stopping = pool.stop().then((result) => {
      stopped = true;
      return result;
    });
    await flush();
    expect(ran).toHaveLength(6);
    expect(stopped).toBe(false); // the gated job is still in flight
    running.release();
    expect(await stopping).toEqual({ dropped: 0 });
    expect(pool.stats()).toMatchObject({ completed: 7, active: 0, queued: 0 });
  });

  it('stop() on a pool that was never started still runs the queued jobs', async () => {
    const pool = new WorkerPool({ workers: 1 });
    let ran = 0;
    await pool.submit(() => ran++);
    await pool.stop();
    expect(ran).toBe(1);
  });

  it('stop({ drain: false }) drops queued jobs, reports how many, and lets in-flight jobs finish', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 10 });
    pool.start();
    const running = gate();
    const inFlight = await pool.submit(running.job);
    await flush();
    const queued: SubmittedJob<unknown>[] = [];
    let ran = 0;
    for (let i = 0; i < 4; i++) queued.push(await pool.submit(() => ran++));

    const stopping = pool.stop({ drain: false });
    const results = await Promise.all(queued.map((j) => j.done));
    for (const [i, result] of results.entries()) {
      expect(result.ok).toBe(false);
      const error = (result as { error: unknown }).error;
      expect(error).toBeInstanceOf(JobDroppedError);
      expect((error as JobDroppedError).code).toBe('SE_ERR_POOL_JOB_DROPPED');
      expect((error as JobDroppedError).jobId).toBe(queued[i]?.id);
    }
    expect(pool.stats()).toMatchObject({ dropped: 4, queued: 0, active: 1 });
    running.release();
    expect(await stopping).toEqual({ dropped: 4 });
    expect((await inFlight.done).ok).toBe(true);
    expect(ran).toBe(0);
    expect(pool.stats()).toMatchObject({ completed: 1, dropped: 4 });
  });

  it('stop({ drain: false }) during a draining stop drops what is still queued', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 10 });
    pool.start();
    const running = gate();
    await pool.submit(running.job);
    await flush();
    for (let i = 0; i < 3; i++) await pool.submit(() => undefined);
    const first = pool.stop();
    const second = pool.stop({ drain: false });
    running.release();
    expect(await first).toEqual({ dropped: 3 });
    expect(await second).toEqual({ dropped: 3 });
  });

  it('stop() is idempotent', async () => {
    const pool = new WorkerPool({ workers: 2 });
    pool.start();
    await pool.submit(() => 1);
    const a = pool.stop();
    const b = pool.stop();
    expect(await a).toEqual({ dropped: 0 });
    expect(await b).toEqual({ dropped: 0 });
    expect(await pool.stop()).toEqual({ dropped: 0 });
    expect(pool.stats().completed).toBe(1);
  });

  it('rejects submit after stop, including submitters waiting for space, and refuses restart', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 1 });
    pool.start();
    const running = gate();
    await pool.submit(running.job);
    await flush();
    await pool.submit(() => 'queued');
    const waiting = pool.submit(() => 'waiting');
    const stopping = pool.stop();
    await expect(waiting).rejects.toBeInstanceOf(WorkerPoolStoppedError);
    await expect(pool.submit(() => 'late')).rejects.toMatchObject({ code: 'SE_ERR_POOL_STOPPED' });
    expect(() => pool.trySubmit(() => 'late')).toThrow(WorkerPoolStoppedError);
    expect(() => pool.start()).toThrow(WorkerPoolStoppedError);
    running.release();
    await stopping;
    expect(pool.stats()).toMatchObject({ completed: 2, waiting: 0 });
  });

  it('tells an onSettled callback how each job ended, once, and done still settles the same way', async () => {
    const pool = new WorkerPool({ workers: 2, queueCapacity: 4 });
    const seen: [string, JobResult<string>][] = [];
    const record = (name: string) => (result: JobResult<string>) => seen.push([name, result]);
    pool.start();
    const sync = pool.trySubmit(() => 'sync value', record('sync'))!;
    const failing = pool.trySubmit((): string => {
      throw new Error('sync throw');
    }, record('throws'));
    const later = await pool.submit(async () => 'async value', record('async'));
    await later.done;
    await flush();
    expect(seen).toEqual([
      ['sync', { ok: true, value: 'sync value' }],
      ['throws', { ok: false, error: new Error('sync throw') }],
      ['async', { ok: true, value: 'async value' }],
    ]);
    // `done` read only after the job ended resolves with the recorded outcome.
    await expect(sync.done).resolves.toEqual({ ok: true, value: 'sync value' });
    await expect(failing!.done).resolves.toMatchObject({ ok: false });
    expect(pool.stats()).toMatchObject({ completed: 2, failed: 1, active: 0 });
  });

  it('tells onSettled about a job dropped by stop({ drain: false })', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 2 });
    const running = gate();
    pool.start();
    pool.trySubmit(running.job);
    const results: JobResult<unknown>[] = [];
    pool.trySubmit(() => 'never', (result) => results.push(result));
    await flush();
    const stopped = pool.stop({ drain: false });
    running.release();
    await stopped;
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: false, error: expect.any(JobDroppedError) });
  });

  it('trySubmit() queues when there is room and returns undefined when full', async () => {
    const pool = new WorkerPool({ workers: 1, queueCapacity: 1 });
    const first = pool.trySubmit(() => 'a');
    expect(first?.id).toBe(1);
    expect(pool.trySubmit(() => 'b')).toBeUndefined();
    pool.start();
    expect(await first?.done).toEqual({ ok: true, value: 'a' });
    expect(pool.trySubmit(() => 'c')).toBeDefined();
    await pool.stop();
    expect(pool.stats().completed).toBe(2);
  });

  it('reports accurate stats while working', async () => {
    const pool = new WorkerPool({ workers: 2, queueCapacity: 2 });
    const a = gate();
    const b = gate();
    await pool.submit(a.job);
    await pool.submit(b.job);
    expect(pool.stats()).toEqual({
      workers: 2,
      active: 0,
      queued: 2,
      queueCapacity: 2,
      waiting: 0,
      completed: 0,
      failed: 0,
      dropped: 0,
    });
    pool.start();
    await flush();
    await pool.submit(() => 'c');
    const d = pool.submit(() => {
      throw new Error('d');
    });
    const e = pool.submit(() => 'e'); // queue holds c and d: e waits for a slot
    expect(pool.stats()).toMatchObject({ active: 2, queued: 2, waiting: 1 });
    a.release();
    b.release();
    await (await d).done;
    await (await e).done;
    await pool.stop();
    expect(pool.stats()).toEqual({
      workers: 2,
      active: 0,
      queued: 0,
      queueCapacity: 2,
      waiting: 0,
      completed: 4,
      failed: 1,
      dropped: 0,
    });
  });
});
