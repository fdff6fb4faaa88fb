import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Session } from '@session-engine/session';
import { activeTarget, applyActiveTarget } from './closed-model.js';
import type {
  DropCause,
  PoolJob,
  SchedulerConfig,
  SchedulerLogger,
  SchedulerMetrics,
  SchedulerPool,
  SchedulerSession,
  SessionSource,
} from './contracts.js';
import { IterationInterruptedError, SchedulerOptionsError, SchedulerStateError, UnknownSessionError, isInterruption } from './errors.js';
import { RequestContext } from './job-context.js';
import type { JobContext, RequestHost } from './job-context.js';
import { ArrivalSchedule } from './open-model.js';
import { DEFAULT_RETRY } from './retry.js';
import type { RetryOptions } from './retry.js';
import { ReadyList, SessionSlot, type SettledJob } from './session-slot.js';
import { stagesDuration } from './stages.js';

/** The work of one iteration for one session. Throwing marks the iteration failed. */
export type Job<S extends SchedulerSession = Session> = (session: S, ctx: JobContext) => Promise<void> | void;

export type RunEndReason = 'duration' | 'iterations' | 'stopped';

export interface RunSummary {
  reason: RunEndReason;
  model: 'closed' | 'open';
  /** Jobs started. */
  iterations: number;
  /** Jobs that returned normally. */
  succeeded: number;
  /** Jobs that threw (including ExpectationError / RequestFailedError), interruptions excepted. */
  failed: number;
  /**
   * Jobs cut short by `interrupt()`: they ended with the run signal's reason
   * (or a request failed with kind `interrupted`) after it, or were still
   * running when `abandon()` gave up on them.
   */
  interrupted: number;
  /** Open model: starts skipped because no session was idle or the pool queue was full. */
  dropped: number;
  /** `dropped` by cause; the two add up to it. */
  droppedByCause: Record<DropCause, number>;
  /** From `start()` until the last in-flight job finished (ms). */
  elapsedMs: number;
}

export interface SessionBackoffOptions {
  /** Consecutive failed iterations before a session backs off (default 5). */
  threshold?: number;
  /** First wait in ms (default 1 000); doubles with each further failure. */
  baseDelay?: number;
  /** Longest wait in ms (default 30 000). */
  maxDelay?: number;
}

export interface SchedulerOptions<S extends SchedulerSession = Session> {
  sessions: SessionSource<S>;
  pool: SchedulerPool;
  metrics: SchedulerMetrics;
  logger?: SchedulerLogger;
  config: SchedulerConfig;
  /** Monotonic clock in ms (default `performance.now()`); also the clock of `intendedStart`. */
  now?: () => number;
  /** Wall clock in ms for `Retry-After` dates (default `Date.now`). */
  wallNow?: () => number;
  /**
   * Waits `ms` (default: a timer). It must settle as soon as `signal` aborts
   * (that is how `stop()` cuts waits short) and must not keep anything on the
   * signal once it has settled: the signal lives for the whole run and the
   * control loop sleeps on it for every wake, so a listener left behind per
   * call grows memory for as long as the run lasts.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) source for retry jitter (default `Math.random`). */
  random?: () => number;
  retry?: RetryOptions;
  sessionBackoff?: SessionBackoffOptions;
  /**
   * Longest pause of the control loop in ms, which re-reads sessions, ramps
   * stages and ends back-offs (default 50; the open model also wakes for
   * every due arrival).
   */
  tickInterval?: number;
  /**
   * Called once, synchronously, when the run stops issuing jobs (duration
   * reached, iteration budget issued, `stop()`, `interrupt()`, pool gone):
   * the moment a graceful-stop deadline starts counting. Jobs still running
   * finish after it.
   */
  onStopping?: (reason: RunEndReason) => void;
  /**
   * Called with what a job threw or rejected with when its iteration counts
   * as failed (not when it was cut short by `interrupt()`): to group failures
   * by reason without wrapping every job in one more promise. What it throws
   * is logged and ignored.
   */
  onIterationFailed?: (error: unknown) => void;
  /**
   * This scheduler runs one part of a run split side by side (worker threads,
   * shards); default: the whole run. The open model takes arrivals
   * k = index, index + count, ... of the run's one schedule; the closed
   * model's stage targets count the whole run's sessions, of which this part
   * holds the ones after the first `sessionsBefore`. Together the parts issue
   * exactly what one scheduler would.
   */
  partition?: SchedulerPartition;
}

/** One part of a run split side by side: see `SchedulerOptions.partition`. */
export interface SchedulerPartition {
  /** This part, 0-based: `0 <= index < count`. */
  index: number;
  /** How many parts run side by side. */
  count: number;
  /** Sessions held by the parts before this one (default 0). */
  sessionsBefore?: number;
}

/**
 * A timer that the signal clears: it settles at once on abort and removes its
 * abort listener when it settles either way (node:timers/promises does both),
 * so nothing of it outlives the wait.
 */
function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

const noop = (): void => undefined;

function checkNumber(name: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new SchedulerOptionsError(`${name} must be a ${integer ? 'non-negative integer' : 'finite number >= 0'}, got ${String(value)}`);
  }
  return value;
}

function checkPartition(partition: SchedulerPartition | undefined): Required<SchedulerPartition> {
  if (partition === undefined) return { index: 0, count: 1, sessionsBefore: 0 };
  const count = checkNumber('partition.count', partition.count, true);
  const index = checkNumber('partition.index', partition.index, true);
  const sessionsBefore = checkNumber('partition.sessionsBefore', partition.sessionsBefore ?? 0, true);
  if (count < 1 || index >= count) {
    throw new SchedulerOptionsError(`partition must have 0 <= index < count and count >= 1, got index ${index} of count ${count}`);
  }
  return { index, count, sessionsBefore };
}

/**
 * An AbortController whose signal may carry many listeners at once: every
 * retry back-off of every session sleeps on the run's halt signal, so the
 * default cap of 10 would print a leak warning at 11 sessions retrying
 * together. Each sleep removes its listener when it ends (see `defaultSleep`),
 * so the count follows the sleeps in progress, never the run's length.
 */
function manyListenersController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * Drives jobs through the worker pool, one session at a time per job.
 *
 * Closed model (`rate` 0): every active session runs the job back to back;
 * when a job ends its session goes to the back of the pool's FIFO, so with
 * fewer workers than sessions they take turns. Open model (`rate` > 0):
 * starts arrive at the configured rate, evenly spaced; each goes to an idle
 * session or is dropped. In both, a session never has two jobs in flight.
 */
export class Scheduler<S extends SchedulerSession = Session> {
  readonly #sessions: SessionSource<S>;
  readonly #pool: SchedulerPool;
  readonly #metrics: SchedulerMetrics;
  readonly #logger: SchedulerLogger | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #open: boolean;
  #rate: number;
  readonly #stages: readonly { duration: number; target: number }[];
  readonly #durationMs: number;
  readonly #iterations: number;
  readonly #tick: number;
  readonly #backoffThreshold: number;
  readonly #backoffBase: number;
  readonly #backoffMax: number;
  readonly #host: RequestHost;
  readonly #onStopping: ((reason: RunEndReason) => void) | undefined;
  readonly #onIterationFailed: ((error: unknown) => void) | undefined;
  readonly #partition: Required<SchedulerPartition>;
  readonly #isAvailable = (slot: SessionSlot<S>): boolean => this.#available(slot);
  readonly #runSlot = (slot: SessionSlot<S>): Promise<void> | void => this.#runJob(slot);
  readonly #refusedSlot = (slot: SessionSlot<S>, error: unknown): void => this.#refused(slot, error);
  // Ran, failed, skipped or dropped by a pool stop({ drain: false }): the session is free again.
  readonly #settledSlot = (slot: SessionSlot<S>, result: SettledJob): void => this.#settled(slot, result);

  #slots: SessionSlot<S>[] = [];
  readonly #byId = new Map<number, SessionSlot<S>>();
  readonly #ready = new ReadyList<S>();
  readonly #paused = new Set<number>();
  /** `retireSession()`: sessions that take no further job; resolved once their job in flight is done. */
  readonly #retiring = new Set<number>();
  readonly #idleWaiters = new Map<number, (() => void)[]>();
  /** `pause()`: no iteration starts until `resume()`. */
  #pausedAll = false;
  #lastRefresh = Number.NEGATIVE_INFINITY;
  /** Open model: when `#enableAll` last ran, and over which slots (see `#openTick`). */
  #lastEnable = Number.NEGATIVE_INFINITY;
  #enabledSlots: readonly SessionSlot<S>[] | undefined = undefined;
  #phase: 'new' | 'running' | 'done' = 'new';
  #job: Job<S> | undefined;
  #schedule: ArrivalSchedule | undefined;
  #endReason: RunEndReason | undefined;
  /** Stop or duration: queued jobs are skipped, retries and back-offs cut short. */
  readonly #halt = manyListenersController();
  /** Any end: the control loop wakes and exits. */
  #wake = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #resolveIdle: (() => void) | undefined;
  #t0 = 0;
  #inFlight = 0;
  #issued = 0;
  #started = 0;
  #succeeded = 0;
  #failed = 0;
  #interrupted = 0;
  readonly #droppedByCause: Record<DropCause, number> = { no_idle_session: 0, pool_full: 0 };
  /** `abandon()` was called: jobs still running no longer count. */
  #abandoned = false;
  /** `ctx.signal`: aborted by `interrupt()`, when in-flight jobs must end. */
  readonly #interrupt = new AbortController();

  constructor(options: SchedulerOptions<S>) {
    const { config } = options;
    this.#sessions = options.sessions;
    this.#pool = options.pool;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#sleep = options.sleep ?? defaultSleep;
    this.#rate = checkNumber('rate', config.rate);
    this.#open = this.#rate > 0;
    this.#iterations = checkNumber('iterations', config.iterations, true);
    const maxRetries = checkNumber('max_retries', config.max_retries, true);
    if (!Array.isArray(config.stages)) throw new SchedulerOptionsError('stages must be an array');
    this.#stages = config.stages.map((stage, i) => ({
      duration: checkNumber(`stages[${i}].duration`, stage.duration),
      target: checkNumber(`stages[${i}].target`, stage.target),
    }));
    const duration = checkNumber('duration', config.duration);
    this.#durationMs = duration > 0 ? duration : stagesDuration(this.#stages);
    this.#onStopping = options.onStopping;
    if (options.onIterationFailed !== undefined && typeof options.onIterationFailed !== 'function') {
      throw new SchedulerOptionsError('onIterationFailed must be a function');
    }
    this.#onIterationFailed = options.onIterationFailed;
    this.#partition = checkPartition(options.partition);
    this.#tick = options.tickInterval ?? 50;
    if (!(this.#tick > 0)) throw new SchedulerOptionsError(`tickInterval must be > 0, got ${String(this.#tick)}`);
    const backoff = options.sessionBackoff ?? {};
    this.#backoffThreshold = checkNumber('sessionBackoff.threshold', backoff.threshold ?? 5, true);
    this.#backoffBase = checkNumber('sessionBackoff.baseDelay', backoff.baseDelay ?? 1_000);
    this.#backoffMax = checkNumber('sessionBackoff.maxDelay', backoff.maxDelay ?? 30_000);
    const retry = options.retry ?? {};
    const wallNow = options.wallNow ?? Date.now;
    const random = options.random ?? Math.random;
    const halt = this.#halt;
    const pause = (ms: number): Promise<void> => this.#pause(ms);
    this.#host = {
      metrics: this.#metrics,
      maxRetries,
      baseDelay: checkNumber('retry.baseDelay', retry.baseDelay ?? DEFAULT_RETRY.baseDelay),
      maxDelay: checkNumber('retry.maxDelay', retry.maxDelay ?? DEFAULT_RETRY.maxDelay),
      maxRetryAfter: checkNumber('retry.maxRetryAfter', retry.maxRetryAfter ?? DEFAULT_RETRY.maxRetryAfter),
      get halted() {
        return halt.signal.aborted;
      },
      signal: this.#interrupt.signal,
      now: this.#now,
      wallNow,
      random,
      pause,
    };
  }

  /**
   * Runs `job` until the duration elapses, `iterations` jobs have started, or
   * `stop()` is called; resolves after the jobs still in flight have
   * finished. A scheduler runs once.
   */
  async start(job: Job<S>): Promise<RunSummary> {
    if (this.#phase !== 'new' || this.#halt.signal.aborted) {
      throw new SchedulerStateError('a scheduler runs once: start() was already called, or stop() was');
    }
    this.#phase = 'running';
    this.#job = job;
    this.#t0 = this.#now();
    const { index, count } = this.#partition;
    this.#schedule = this.#open ? new ArrivalSchedule(this.#stages, this.#rate, { offset: index, stride: count }) : undefined;
    this.#logger?.info('scheduler started', {
      model: this.#open ? 'open' : 'closed',
      rate: this.#rate,
      duration: this.#durationMs,
      iterations: this.#iterations,
      stages: this.#stages.length,
    });
    this.#loop = this.#controlLoop();
    try {
      await this.#loop;
    } finally {
      if (this.#inFlight > 0 && !this.#abandoned) {
        await new Promise<void>((resolve) => {
          this.#resolveIdle = resolve;
        });
      }
      this.#phase = 'done';
      // Nothing runs any more: a caller waiting to close a retired session may.
      for (const id of [...this.#idleWaiters.keys()]) this.#wakeRetired(id);
    }
    const summary: RunSummary = {
      reason: this.#endReason ?? 'stopped',
      model: this.#open ? 'open' : 'closed',
      iterations: this.#started,
      succeeded: this.#succeeded,
      failed: this.#failed,
      interrupted: this.#interrupted,
      dropped: this.#droppedByCause.no_idle_session + this.#droppedByCause.pool_full,
      droppedByCause: { ...this.#droppedByCause },
      elapsedMs: this.#now() - this.#t0,
    };
    this.#logger?.info('scheduler finished', { ...summary });
    return summary;
  }

  /**
   * Ends the run: once this returns no new job starts (jobs still queued in
   * the pool are skipped when they come up); jobs already running finish or
   * time out, and `start()` resolves after them. Idempotent.
   */
  stop(): Promise<void> {
    this.#end('stopped', true);
    return this.#loop.then(noop, noop);
  }

  /**
   * The hard stop, when a graceful one took too long (or a forced stop): stops
   * the run like `stop()` and aborts `ctx.signal`, so jobs that listen to it
   * end now; they count as interrupted, not failed. Requests cut off from here
   * on are recorded with kind `interrupted`. Idempotent.
   */
  interrupt(): void {
    this.#end('stopped', true);
    if (!this.#interrupt.signal.aborted) this.#interrupt.abort(new IterationInterruptedError());
  }

  /**
   * Gives up on the jobs still running after `interrupt()` (jobs that ignore
   * `ctx.signal`): counts them as interrupted and lets `start()` resolve
   * without waiting for them. What they do afterwards is not counted. The
   * caller releases what they hold (closing the sessions aborts their
   * requests). Implies `interrupt()`. Idempotent.
   */
  abandon(): void {
    this.interrupt();
    if (this.#abandoned || this.#phase !== 'running') return;
    this.#abandoned = true;
    this.#interrupted += this.running;
    this.#resolveIdle?.();
  }

  /** Jobs started and not yet finished. */
  get running(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.busy && slot.iteration !== 0) n++;
    return n;
  }

  /** Jobs started so far (the `iteration` of the latest). */
  get started(): number {
    return this.#started;
  }

  /** No new job for this session until `resumeSession(id)`; a running job finishes. Also pauses the session itself. */
  pauseSession(id: number): void {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new UnknownSessionError(id);
    this.#paused.add(id);
    if (session.state === 'active') session.pause();
  }

  /** Lets a paused session take jobs again (and resumes the session itself if it is paused). */
  resumeSession(id: number): void {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new UnknownSessionError(id);
    this.#paused.delete(id);
    if (session.state === 'paused') session.resume();
    if (this.#phase === 'running' && this.#endReason === undefined) {
      // Re-plan now rather than at the next tick: the session may take the next start.
      const now = this.#now();
      if (this.#open) this.#enableAll(now);
      else this.#closedTick(now, now - this.#t0);
    }
  }

  /** The model of this run: `open` when it started with `rate` > 0. */
  get model(): 'open' | 'closed' {
    return this.#open ? 'open' : 'closed';
  }

  /**
   * Open model: the arrival rate now (starts per second, the whole run's:
   * the configured rate, the stages' value, or the last `setRate()`); 0 in
   * the closed model.
   */
  get rate(): number {
    if (!this.#open) return 0;
    return this.#schedule === undefined ? this.#rate : this.#schedule.rateAt(this.#now() - this.#t0);
  }

  /** `pause()` is in effect. */
  get paused(): boolean {
    return this.#pausedAll;
  }

  /**
   * Starts no new iteration until `resume()`; iterations in flight finish.
   * The duration keeps counting. In the open model the arrivals due while
   * paused are skipped (not dropped, not caught up later). Idempotent.
   */
  pause(): void {
    if (this.#pausedAll) return;
    this.#pausedAll = true;
    this.#logger?.info('scheduler paused: no new iterations until resumed');
  }

  /** Ends a `pause()`: the open model goes on from now at its rate (no burst), the closed model re-fills at once. Idempotent. */
  resume(): void {
    if (!this.#pausedAll) return;
    this.#pausedAll = false;
    this.#logger?.info('scheduler resumed');
    if (this.#phase !== 'running' || this.#endReason !== undefined) return;
    const now = this.#now();
    if (this.#open) {
      this.#schedule?.skipTo(now - this.#t0);
      this.#nudge();
    } else this.#closedTick(now, now - this.#t0);
  }

  /**
   * Open model: the arrival rate (starts per second, the whole run's) from
   * now on, replacing the configured rate and any stages. Arrivals stay
   * evenly spaced across the change; the control loop picks it up at its
   * next wake (within `tickInterval`). Throws `SchedulerStateError` in the
   * closed model and `SchedulerOptionsError` for a rate that is not > 0.
   */
  setRate(rate: number): void {
    if (!this.#open) {
      throw new SchedulerStateError('rate applies to the open model only: this run is in the closed model (it started with rate 0); change sessions instead');
    }
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new SchedulerOptionsError(`rate must be a finite number > 0, got ${String(rate)}; pause the run to stop arrivals`);
    }
    this.#rate = rate;
    if (this.#schedule !== undefined) this.#schedule.setRate(rate, this.#now() - this.#t0);
    this.#logger?.info('scheduler rate changed', { rate });
    // The loop may be asleep until the old rate's next arrival: the new one may be due sooner.
    this.#nudge();
  }

  /** Wakes the control loop now (a live change), without ending the run. */
  #nudge(): void {
    if (this.#wake.signal.aborted || this.#phase !== 'running') return;
    const sleeping = this.#wake;
    this.#wake = new AbortController();
    sleeping.abort();
  }

  /**
   * Takes a session out of the run (scaling down): it gets no further job,
   * and the promise resolves once its job in flight (if any) has finished, or
   * the run has ended. The caller then closes the session and unregisters it
   * from the session source.
   */
  retireSession(id: number): Promise<void> {
    if (this.#sessions.get(id) === undefined && !this.#byId.has(id)) return Promise.reject(new UnknownSessionError(id));
    this.#retiring.add(id);
    const slot = this.#byId.get(id);
    if (slot === undefined || !slot.busy || this.#phase !== 'running') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiters = this.#idleWaiters.get(id);
      if (waiters === undefined) this.#idleWaiters.set(id, [resolve]);
      else waiters.push(resolve);
    });
  }

  async #controlLoop(): Promise<void> {
    try {
      while (this.#endReason === undefined) {
        const now = this.#now();
        const elapsed = now - this.#t0;
        if (this.#durationMs > 0 && elapsed >= this.#durationMs) {
          this.#end('duration', true);
          break;
        }
        this.#refreshSlots(now);
        let wait = this.#open ? this.#openTick(now, elapsed) : this.#closedTick(now, elapsed);
        if (this.#endReason !== undefined) break;
        if (this.#durationMs > 0) wait = Math.min(wait, this.#durationMs - elapsed);
        // Only the sleep: the wake signal ends it early. Racing it against a
        // promise that settles at the end of the run would leave one reaction
        // on that promise per wake, thousands a second in the open model.
        await this.#sleep(Math.max(0, wait), this.#wake.signal);
      }
    } catch (error) {
      this.#end('stopped', true);
      throw error;
    }
  }

  #closedTick(now: number, elapsed: number): number {
    // A part's sessions follow the earlier parts' in id order: it runs its share of the run's target.
    const target = Math.max(0, activeTarget(this.#stages, elapsed) - this.#partition.sessionsBefore);
    const active = applyActiveTarget(this.#slots, target, this.#isAvailable);
    for (const slot of this.#slots) this.#makeReady(slot, now);
    this.#metrics.setActiveSessions(active);
    this.#pumpClosed(now);
    return this.#tick;
  }

  /** Closed model: hand every ready session to the pool (waiting there if its queue is full). */
  #pumpClosed(now: number): void {
    while (this.#endReason === undefined && !this.#pausedAll) {
      const slot = this.#takeReady(now);
      if (slot === undefined) return;
      slot.busy = true;
      this.#inFlight++;
      this.#countIssued();
      let queued: PoolJob | undefined;
      try {
        queued = this.#pool.trySubmit(slot.run, slot.settled);
      } catch (error) {
        slot.refused(error);
        continue;
      }
      // The queue is full: wait for room (a worker pool smaller than the session count).
      if (queued === undefined) this.#pool.submit(slot.run, slot.settled).then(undefined, slot.refused);
    }
  }

  /** Open model: every available session may take starts. */
  #enableAll(now: number): void {
    this.#lastEnable = now;
    this.#enabledSlots = this.#slots;
    const available = applyActiveTarget(this.#slots, Number.POSITIVE_INFINITY, this.#isAvailable);
    for (const slot of this.#slots) this.#makeReady(slot, now);
    this.#metrics.setActiveSessions(available);
  }

  #openTick(now: number, elapsed: number): number {
    // A finished job puts its session back in the ready list itself (#release), so the full scan
    // is only for sessions whose availability changed without the scheduler (a session paused or
    // resumed on its own, a back-off over): once a tick, not at every wake (a wake per arrival at
    // a high rate, each scan O(sessions)). A changed session list is scanned at once.
    if (now - this.#lastEnable >= this.#tick || this.#enabledSlots !== this.#slots) this.#enableAll(now);
    const schedule = this.#schedule as ArrivalSchedule;
    if (this.#pausedAll) {
      // Arrivals due while paused are passed over, so resuming does not burst.
      schedule.skipTo(elapsed);
      return this.#tick;
    }
    // Catch up: issue every start that is due, each with its own intended time.
    while (this.#endReason === undefined && schedule.peek() <= elapsed) {
      const intended = this.#t0 + schedule.take();
      const slot = this.#takeReady(now);
      const dropped = slot === undefined ? 'no_idle_session' : this.#dispatchOpen(slot, intended);
      if (dropped !== undefined) this.#drop(dropped);
    }
    const next = schedule.peek() - elapsed;
    return Math.min(this.#tick, Math.max(next, 0));
  }

  /** Hands a start to the pool; returns why it was dropped, if it was. */
  #dispatchOpen(slot: SessionSlot<S>, intended: number): DropCause | undefined {
    slot.intendedStart = intended;
    let queued: PoolJob | undefined;
    try {
      queued = this.#pool.trySubmit(slot.run, slot.settled);
    } catch (error) {
      // The pool was stopped: the run ends here, which is no drop.
      this.#poolGone(error);
      return undefined;
    }
    if (queued === undefined) {
      this.#ready.push(slot); // the pool is full, the session is still idle
      return 'pool_full';
    }
    slot.busy = true;
    this.#inFlight++;
    this.#countIssued();
    return undefined;
  }

  #drop(cause: DropCause): void {
    this.#droppedByCause[cause]++;
    this.#metrics.recordDropped(cause);
  }

  #countIssued(): void {
    this.#issued++;
    if (this.#iterations > 0 && this.#issued >= this.#iterations) this.#end('iterations', false);
  }

  /**
   * The pool job of a slot: the user's job itself, so the pool waits on the
   * job's own promise (no scheduler promise or async frame around it). How it
   * ended comes back through the pool's settled callback (see `#settled`).
   */
  #runJob(slot: SessionSlot<S>): Promise<void> | void {
    // Queued before the run was stopped: it must not start now.
    if (this.#halt.signal.aborted || slot.gone) return undefined;
    const iteration = ++this.#started;
    slot.iteration = iteration;
    const intended = this.#open ? slot.intendedStart : this.#now();
    return (this.#job as Job<S>)(slot.session, new RequestContext(this.#host, slot.session, iteration, intended));
  }

  /** The pool is done with a slot's job: count a job that started, then free the session. */
  #settled(slot: SessionSlot<S>, result: SettledJob): void {
    if (this.#abandoned) return; // counted as interrupted when the run gave up on it
    if (slot.iteration !== 0) {
      this.#jobEnded(slot, !result.ok, result.error);
      slot.iteration = 0;
    }
    this.#release(slot);
  }

  #jobEnded(slot: SessionSlot<S>, failed: boolean, error: unknown): void {
    if (failed && this.#interrupt.signal.aborted && isInterruption(error)) {
      this.#interrupted++;
    } else if (failed) {
      this.#failed++;
      slot.failures++;
      if (this.#onIterationFailed !== undefined) {
        try {
          this.#onIterationFailed(error);
        } catch (thrown) {
          this.#logger?.warn('onIterationFailed callback threw', { error: thrown instanceof Error ? thrown.message : String(thrown) });
        }
      }
      this.#logger?.debug('iteration failed', {
        sessionId: slot.id,
        iteration: slot.iteration,
        error: error instanceof Error ? error.message : String(error),
        code: (error as { code?: unknown } | null)?.code,
      });
      // Closed model only: there a failing session would spin. In the open
      // model the arrival rate paces every session, and benching one would
      // turn the arrivals it could have taken into drops, hiding failures.
      if (!this.#open && slot.failures >= this.#backoffThreshold) {
        const wait = Math.min(this.#backoffMax, this.#backoffBase * 2 ** (slot.failures - this.#backoffThreshold));
        slot.notBefore = this.#now() + wait;
      }
    } else {
      this.#succeeded++;
      slot.failures = 0;
      slot.notBefore = 0;
    }
  }

  #release(slot: SessionSlot<S>): void {
    slot.busy = false;
    this.#inFlight--;
    if (this.#idleWaiters.size > 0) this.#wakeRetired(slot.id);
    const now = this.#now();
    // Do not hand out a job past the deadline while the control loop sleeps.
    if (this.#durationMs > 0 && now - this.#t0 >= this.#durationMs) this.#end('duration', true);
    if (this.#endReason === undefined) {
      this.#makeReady(slot, now);
      if (!this.#open) this.#pumpClosed(now);
    } else if (this.#inFlight === 0 || this.#abandoned) {
      this.#resolveIdle?.();
    }
  }

  /** The pool refused a closed-model job: it is stopped, so the run cannot go on. */
  #refused(slot: SessionSlot<S>, error: unknown): void {
    this.#issued--;
    this.#poolGone(error);
    this.#release(slot);
  }

  #poolGone(error: unknown): void {
    if (this.#endReason === undefined) {
      this.#logger?.warn('worker pool refused a job; ending the run', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.#end('stopped', true);
  }

  #end(reason: RunEndReason, halt: boolean): void {
    if (this.#endReason === undefined && this.#phase === 'running') {
      this.#endReason = reason;
      try {
        this.#onStopping?.(reason);
      } catch (error) {
        this.#logger?.warn('onStopping callback threw', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (halt && !this.#halt.signal.aborted) this.#halt.abort();
    if (!this.#wake.signal.aborted) this.#wake.abort();
    if (this.#inFlight === 0 || this.#abandoned) this.#resolveIdle?.();
  }

  /** A retry's back-off: the halt signal ends it early (no race against a run-long promise). */
  #pause(ms: number): Promise<void> {
    if (this.#halt.signal.aborted) return Promise.resolve();
    return this.#sleep(ms, this.#halt.signal);
  }

  /** A retired session's job is done: whoever waits to close it may. */
  #wakeRetired(id: number): void {
    const waiters = this.#idleWaiters.get(id);
    if (waiters === undefined) return;
    this.#idleWaiters.delete(id);
    for (const resolve of waiters) resolve();
  }

  #available(slot: SessionSlot<S>): boolean {
    if (slot.gone || this.#paused.has(slot.id) || this.#retiring.has(slot.id)) return false;
    const state = (slot.session as SchedulerSession).state;
    return state !== 'paused' && state !== 'closed';
  }

  #makeReady(slot: SessionSlot<S>, now: number): void {
    if (!slot.busy && !slot.queued && slot.enabled && slot.notBefore <= now && this.#available(slot)) {
      this.#ready.push(slot);
    }
  }

  /** The next ready slot that may still start (state can change while it waits in the list). */
  #takeReady(now: number): SessionSlot<S> | undefined {
    for (let slot = this.#ready.shift(); slot !== undefined; slot = this.#ready.shift()) {
      if (!slot.busy && slot.enabled && slot.notBefore <= now && this.#available(slot)) return slot;
    }
    return undefined;
  }

  /** Follows sessions added or removed at runtime (re-read when the count changes, or every second). */
  #refreshSlots(now: number): void {
    if (this.#sessions.count() === this.#slots.length && now - this.#lastRefresh < 1_000) return;
    this.#lastRefresh = now;
    const ids = this.#sessions.ids();
    const slots: SessionSlot<S>[] = [];
    const seen = new Set<number>();
    for (const id of ids) {
      let slot = this.#byId.get(id);
      if (slot === undefined) {
        const session = this.#sessions.get(id);
        if (session === undefined) continue;
        slot = new SessionSlot<S>(id, session, this.#runSlot, this.#refusedSlot, this.#settledSlot);
        this.#byId.set(id, slot);
      }
      seen.add(id);
      slots.push(slot);
    }
    for (const slot of this.#slots) {
      if (!seen.has(slot.id)) {
        slot.gone = true;
        this.#retiring.delete(slot.id);
        this.#byId.delete(slot.id);
      }
    }
    this.#slots = slots;
  }
}
