import { BoundedQueue } from './bounded-queue.js';
import { JobDroppedError, WorkerPoolOptionsError, WorkerPoolStoppedError } from './errors.js';
import { Job } from './job.js';
import type { JobSettledCallback, SubmittedJob } from './job.js';
import { RingBuffer } from './ring-buffer.js';

export interface WorkerPoolOptions {
  /** Number of jobs that may run at once (a positive integer). */
  workers: number;
  /** Jobs that may wait for a worker before `submit()` blocks. Default `workers * 4`. */
  queueCapacity?: number;
  /**
   * Called with whatever a job threw or rejected with. Runs on the worker;
   * an exception thrown here is swallowed so it cannot take the worker down.
   */
  onJobError?: (error: unknown, jobId: number) => void;
}

export interface StopOptions {
  /** `true` (default): run every queued job first. `false`: drop queued jobs. */
  drain?: boolean;
}

export interface StopResult {
  /** Queued jobs discarded by `stop({ drain: false })`. */
  dropped: number;
}

export interface WorkerPoolStats {
  workers: number;
  /** Jobs running right now (never more than `workers`). */
  active: number;
  /** Jobs queued and waiting for a worker (never more than `queueCapacity`). */
  queued: number;
  queueCapacity: number;
  /** Submitters blocked because the queue is full. */
  waiting: number;
  /** Jobs that returned or resolved. */
  completed: number;
  /** Jobs that threw or rejected. */
  failed: number;
  /** Queued jobs discarded by `stop({ drain: false })`. */
  dropped: number;
}

/** A running worker's state: the job it waits on and its two continuation callbacks, made once. */
class Worker {
  job: Job<unknown> | undefined = undefined;
  readonly onValue: (value: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(resumed: (worker: Worker, ok: boolean, outcome: unknown) => void) {
    this.onValue = (value) => resumed(this, true, value);
    this.onError = (error) => resumed(this, false, error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

interface Waiter {
  job: Job<unknown>;
  resolve: (job: SubmittedJob<unknown>) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed number of async workers draining a bounded FIFO queue.
 *
 * Workers are async loops on the event loop, not threads: a worker takes the
 * oldest job, awaits it, and takes the next one until the queue is empty, then
 * parks. A parked worker costs nothing; `submit()` wakes one. Jobs submitted
 * before `start()` are queued but none runs until `start()` is called.
 */
export class WorkerPool {
  #workers: number;
  readonly #queue: BoundedQueue<Job<unknown>>;
  readonly #waiters = new RingBuffer<Waiter>();
  readonly #onJobError: ((error: unknown, jobId: number) => void) | undefined;
  /** Created once: a parked worker is launched with `queueMicrotask(this.#launch)`. */
  readonly #launch = (): void => {
    this.#work(this.#freeWorker());
  };
  /** Parked workers' state objects, reused so a job costs no callback closures. */
  readonly #spare: Worker[] = [];
  readonly #resumedWorker = (worker: Worker, ok: boolean, outcome: unknown): void => this.#resumed(worker, ok, outcome);

  #idle: number;
  #active = 0;
  #completed = 0;
  #failed = 0;
  #dropped = 0;
  #nextId = 0;
  #started = false;
  #stopping = false;
  #stopped: Promise<StopResult> | undefined;
  #resolveStopped: ((result: StopResult) => void) | undefined;

  constructor(options: WorkerPoolOptions) {
    const { workers, onJobError } = options;
    if (!Number.isSafeInteger(workers) || workers < 1) {
      throw new WorkerPoolOptionsError(`workers must be a positive integer, got ${String(workers)}`);
    }
    const capacity = options.queueCapacity ?? workers * 4;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new WorkerPoolOptionsError(`queueCapacity must be a positive integer, got ${String(capacity)}`);
    }
    if (onJobError !== undefined && typeof onJobError !== 'function') {
      throw new WorkerPoolOptionsError('onJobError must be a function');
    }
    this.#workers = workers;
    this.#idle = workers;
    this.#queue = new BoundedQueue<Job<unknown>>(capacity);
    this.#onJobError = onJobError;
  }

  /** Starts the workers; queued jobs begin to run. Idempotent. */
  start(): void {
    if (this.#stopping) throw new WorkerPoolStoppedError('worker pool was stopped and cannot be restarted');
    if (this.#started) return;
    this.#started = true;
    this.#wakeWorkers();
  }

  /**
   * Queues `job`. Resolves once it is queued; while the queue is full it waits
   * (submitters are served first come, first served). Rejects with
   * `WorkerPoolStoppedError` after `stop()`, also if it was still waiting.
   */
  submit<T>(job: () => T | PromiseLike<T>, onSettled?: JobSettledCallback<T>): Promise<SubmittedJob<T>> {
    if (this.#stopping) return Promise.reject(new WorkerPoolStoppedError());
    const entry = new Job<T>(++this.#nextId, job, onSettled);
    // Earlier waiters go first, so only enqueue directly when nobody waits.
    if (this.#waiters.size === 0 && this.#queue.offer(entry as Job<unknown>)) {
      this.#wakeWorkers();
      return Promise.resolve(entry);
    }
    return new Promise<SubmittedJob<T>>((resolve, reject) => {
      this.#waiters.push({ job: entry as Job<unknown>, resolve: resolve as Waiter['resolve'], reject });
    });
  }

  /**
   * Queues `job` only if that needs no waiting; returns `undefined` when the
   * queue is full (or other submitters are waiting). For callers that would
   * rather shed load than block. Throws `WorkerPoolStoppedError` after `stop()`.
   */
  trySubmit<T>(job: () => T | PromiseLike<T>, onSettled?: JobSettledCallback<T>): SubmittedJob<T> | undefined {
    if (this.#stopping) throw new WorkerPoolStoppedError();
    if (this.#waiters.size > 0 || this.#queue.isFull) return undefined;
    const entry = new Job<T>(++this.#nextId, job, onSettled);
    this.#queue.offer(entry as Job<unknown>);
    this.#wakeWorkers();
    return entry;
  }

  /**
   * Stops accepting jobs and rejects waiting submitters. With `drain` (the
   * default) every queued job still runs (the workers are started if they never
   * were); with `drain: false` queued jobs are dropped: their `done` resolves
   * with `{ ok: false, error: JobDroppedError }`. Running jobs always finish.
   * Resolves once no job is running or queued. Idempotent: every call returns
   * the same outcome; a `drain: false` call during a draining stop drops what
   * is still queued.
   */
  stop(options: StopOptions = {}): Promise<StopResult> {
    const drain = options.drain ?? true;
    if (this.#stopped === undefined) {
      this.#stopping = true;
      this.#stopped = new Promise<StopResult>((resolve) => {
        this.#resolveStopped = resolve;
      });
      for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
        waiter.reject(new WorkerPoolStoppedError());
      }
      if (drain && !this.#started) {
        this.#started = true;
        this.#wakeWorkers();
      }
    }
    if (!drain) this.#dropQueued();
    this.#settleStopIfIdle();
    return this.#stopped;
  }

  stats(): WorkerPoolStats {
    return {
      workers: this.#workers,
      active: this.#active,
      queued: this.#queue.size,
      queueCapacity: this.#queue.capacity,
      waiting: this.#waiters.size,
      completed: this.#completed,
      failed: this.#failed,
      dropped: this.#dropped,
    };
  }

  /**
   * Adds `n` workers while the pool runs (a run scaled up to more sessions):
   * queued jobs start on them at once. The queue's capacity stays. Ignored
   * once the pool is stopping.
   */
  grow(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new WorkerPoolOptionsError(`grow(n): n must be a non-negative integer, got ${String(n)}`);
    if (this.#stopping || n === 0) return;
    this.#workers += n;
    this.#idle += n;
    this.#wakeWorkers();
  }

  /** Launches parked workers for queued jobs, at most one per job. */
  #wakeWorkers(): void {
    if (!this.#started) return;
    let wanted = this.#queue.size - (this.#workers - this.#idle - this.#active);
    while (wanted > 0 && this.#idle > 0) {
      this.#idle--;
      wanted--;
      queueMicrotask(this.#launch);
    }
  }

  /**
   * One worker: runs queued jobs until none is left, then parks. Driven by
   * callbacks rather than an async loop, so a job in flight holds no
   * suspended async frame or promise of the pool's: only its own work.
   */
  #work(worker: Worker): void {
    for (let job = this.#take(); job !== undefined; job = this.#take()) {
      this.#active++;
      let value: unknown;
      try {
        value = job.fn();
      } catch (error) {
        // A synchronous throw is a failed job like a rejection.
        this.#finish(job, false, error);
        continue;
      }
      if (isThenable(value)) {
        worker.job = job;
        value.then(worker.onValue, worker.onError);
        return;
      }
      this.#finish(job, true, value);
    }
    this.#spare.push(worker);
    this.#idle++;
    this.#settleStopIfIdle();
  }

  #freeWorker(): Worker {
    return this.#spare.pop() ?? new Worker(this.#resumedWorker);
  }

  /** A worker's job settled asynchronously: record it and go on with the next. */
  #resumed(worker: Worker, ok: boolean, outcome: unknown): void {
    const job = worker.job as Job<unknown>;
    worker.job = undefined;
    this.#finish(job, ok, outcome);
    this.#work(worker);
  }

  #finish(job: Job<unknown>, ok: boolean, outcome: unknown): void {
    this.#active--;
    if (ok) {
      this.#completed++;
      job.settle({ ok: true, value: outcome });
    } else {
      this.#failed++;
      this.#report(outcome, job.id);
      job.settle({ ok: false, error: outcome });
    }
  }

  #take(): Job<unknown> | undefined {
    const job = this.#queue.poll();
    if (job !== undefined) this.#admitWaiters();
    return job;
  }

  /** Moves waiting submitters into freed queue slots, oldest first. */
  #admitWaiters(): void {
    while (this.#waiters.size > 0 && !this.#queue.isFull) {
      const waiter = this.#waiters.shift() as Waiter;
      this.#queue.offer(waiter.job);
      waiter.resolve(waiter.job);
    }
  }

  #report(error: unknown, jobId: number): void {
    if (this.#onJobError === undefined) return;
    try {
      this.#onJobError(error, jobId);
    } catch {
      // A faulty error hook must not cost the pool a worker.
    }
  }

  #dropQueued(): void {
    for (let job = this.#queue.poll(); job !== undefined; job = this.#queue.poll()) {
      this.#dropped++;
      job.settle({ ok: false, error: new JobDroppedError(job.id) });
    }
  }

  #settleStopIfIdle(): void {
    if (!this.#stopping || this.#resolveStopped === undefined) return;
    if (this.#queue.size > 0 || this.#idle < this.#workers) return;
    const resolve = this.#resolveStopped;
    this.#resolveStopped = undefined;
    resolve({ dropped: this.#dropped });
  }
}
