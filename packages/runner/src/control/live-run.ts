/**
 * The live side of a run that `RunControl` steers: reads the status from
 * the scheduler and the metrics, and turns a change into scheduler and
 * session-manager calls. `run()` builds one once the load starts.
 *
 * Scaling up creates new sessions (each a new identity: its own connections,
 * cookie jar and the next proxy of the rotation; with session state, the saved
 * identity of its id, restored before it registers), which the scheduler picks up
 * at its next tick; with workers following the session count (the default),
 * the worker pool grows with them. Scaling down retires the highest-numbered
 * sessions: no new iteration for them, their current one finishes (within
 * graceful_stop, then it is cut off), then they are closed.
 */
import type { EngineConfig, LogLevel } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import type { Metrics, MetricsSnapshot } from '@session-engine/metrics';
import type { Scheduler } from '@session-engine/scheduler';
import type { CreateSessionsResult, SessionManager } from '@session-engine/session';
import type { WorkerPool } from '@session-engine/worker-pool';
import type { RunReport } from '../report.js';
import { ControlConflictError, ControlInvalidArgumentError } from './errors.js';
import type { LiveRun } from './run-control.js';
import { parseRunChange, type RunChange, type RunStatus } from './schemas.js';

export interface LiveRunParts {
  config: Readonly<EngineConfig>;
  logger: Logger;
  scheduler: Scheduler;
  sessions: SessionManager;
  pool: WorkerPool;
  metrics: Metrics;
  /** `duration`, or the stages' sum; 0 = none. */
  plannedMs: number;
  /** A stop began (the run is finishing its in-flight iterations). */
  stopping(): boolean;
  /** Starts the graceful stop (reason `stopped`) with this grace (default: graceful_stop); returns the grace in effect. */
  stop(gracefulStopMs: number | undefined): number;
  /** The report so far. */
  report(): RunReport;
  /**
   * Creates `n` sessions for scaling up instead of `sessions.add(n)`: with session state, each
   * gets its saved state back before it is registered (so before the scheduler gives it a job)
   * and is saved with the others.
   */
  addSessions?(n: number): Promise<CreateSessionsResult>;
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Refuses a parsed change the run cannot take in its state (every check before any change:
 * a refused request changes nothing). Shared by a run and the main thread of `runThreads()`.
 */
export function checkRunChange(change: RunChange, run: { model: 'open' | 'closed'; stages: number; stopping: boolean }): void {
  if (run.stopping) throw new ControlConflictError('the run is stopping: it takes no further change');
  if (change.rate !== undefined && run.model === 'closed') {
    throw new ControlConflictError(
      'rate applies to the open model only: this run is in the closed model (it started without a rate); change sessions instead, or start the run with a rate',
    );
  }
  if (change.sessions !== undefined && run.model === 'closed' && run.stages > 0) {
    // The stages set how many sessions run at each moment: a session count would be overridden at the next tick.
    throw new ControlConflictError(
      'this closed-model run ramps its active sessions through stages, which would override a session count; run without stages to scale sessions live',
    );
  }
  if (change.rate === 0) {
    throw new ControlInvalidArgumentError([{ field: 'rate', message: 'must be > 0 in a running open-model run; set paused: true to stop arrivals' }]);
  }
}

export class LiveRunControl implements LiveRun {
  readonly #parts: LiveRunParts;
  #target: number;
  /** Workers follow the session count when they did at the start (workers defaults to number_of_sessions). */
  readonly #followWorkers: boolean;
  #workers: number;
  /** Changes of the session count, one at a time. */
  #scaling: Promise<void> = Promise.resolve();
  /** Sessions retired and not closed yet. */
  readonly #retiring = new Set<number>();
  #added = 0;
  #failedToAdd = 0;

  constructor(parts: LiveRunParts, sessionsAtStart: number) {
    this.#parts = parts;
    this.#target = sessionsAtStart;
    this.#workers = parts.config.workers;
    this.#followWorkers = parts.config.workers >= parts.config.number_of_sessions;
  }

  /** Sessions created by scaling up (and how many of those creations failed): for the report's `sessions`. */
  get added(): { created: number; failed: number } {
    return { created: this.#added, failed: this.#failedToAdd };
  }

  status(): RunStatus {
    const { scheduler, metrics, logger } = this.#parts;
    const snapshot = metrics.snapshot();
    return {
      state: this.#parts.stopping() ? 'stopping' : scheduler.paused ? 'paused' : 'running',
      model: scheduler.model,
      sessions: { target: this.#target, active: metrics.activeSessions },
      rate: scheduler.model === 'open' ? scheduler.rate : null,
      elapsed_ms: snapshot.elapsed_ms,
      planned_ms: this.#parts.plannedMs,
      iterations: scheduler.started,
      ...statusFigures(snapshot),
      log_level: logger.level,
    };
  }

  async update(input: RunChange): Promise<RunStatus> {
    const change = parseRunChange(input);
    const { scheduler, logger } = this.#parts;
    checkRunChange(change, { model: scheduler.model, stages: this.#parts.config.stages.length, stopping: this.#parts.stopping() });
    if (change.log_level !== undefined) this.#setLogLevel(change.log_level);
    if (change.paused === true && !scheduler.paused) {
      scheduler.pause();
      logger.info('run paused through the control API: no new iterations until resumed');
    } else if (change.paused === false && scheduler.paused) {
      scheduler.resume();
      logger.info('run resumed through the control API');
    }
    if (change.rate !== undefined && change.rate !== scheduler.rate) {
      const from = scheduler.rate;
      scheduler.setRate(change.rate);
      logger.info('rate changed through the control API', { from, to: change.rate });
    }
    if (change.sessions !== undefined) {
      const sessions = change.sessions;
      const scaled = this.#scaling.then(() => this.#scaleTo(sessions));
      this.#scaling = scaled.catch(() => undefined);
      await scaled;
    }
    return this.status();
  }

  stop(options: { gracefulStopMs?: number | undefined }): { graceful_stop_ms: number } {
    const graceful = this.#parts.stop(options.gracefulStopMs);
    return { graceful_stop_ms: graceful };
  }

  report(): RunReport {
    return this.#parts.report();
  }

  #setLogLevel(level: LogLevel): void {
    const { logger } = this.#parts;
    if (logger.level === level) return;
    const from = logger.level;
    // Said before a raise to warn/error would hide it, and after a lowering.
    logger.info('log level changed through the control API', { from, to: level });
    logger.setLevel(level);
    if (logger.isLevelEnabled('info')) logger.info('log level now', { level });
  }

  async #scaleTo(target: number): Promise<void> {
    const { sessions, scheduler, logger, pool } = this.#parts;
    if (this.#parts.stopping()) return;
    const from = this.#target;
    this.#target = target;
    const live = sessions.count() - this.#retiring.size;
    if (target > live) {
      if (this.#followWorkers && this.#workers < target) {
        pool.grow(target - this.#workers);
        this.#workers = target;
      }
      const result = await (this.#parts.addSessions?.(target - live) ?? sessions.add(target - live));
      this.#added += result.created;
      this.#failedToAdd += result.errors.length;
      logger.info('sessions scaled up through the control API', { from, to: target, created: result.created });
      if (result.errors.length > 0) {
        logger.warn(`${result.errors.length} of ${target - live} new sessions could not be created: ${result.errors[0]?.message ?? ''}`);
      }
    } else if (target < live) {
      const leaving = sessions
        .ids()
        .filter((id) => !this.#retiring.has(id))
        .slice(target);
      for (const id of leaving) this.#retiring.add(id);
      logger.info('sessions scaling down through the control API: the highest-numbered finish their iteration, then close', {
        from,
        to: target,
        closing: leaving.length,
      });
      // In the background: the answer does not wait up to graceful_stop for iterations to end.
      void this.#retire(leaving, scheduler);
    }
  }

  async #retire(ids: number[], scheduler: Scheduler): Promise<void> {
    const { sessions, logger, config } = this.#parts;
    const done = await Promise.all(ids.map((id) => withDeadline(scheduler.retireSession(id), config.graceful_stop)));
    const late = ids.filter((_, i) => done[i] === false);
    try {
      await sessions.removeSessions(ids.filter((_, i) => done[i] === true));
      // Still running after graceful_stop: cut off, like a hard stop of these sessions only.
      if (late.length > 0) await sessions.removeSessions(late, { force: true });
      logger.info('sessions closed after scaling down', { closed: ids.length, cut_off: late.length });
    } catch (error) {
      logger.warn('closing scaled-down sessions failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      for (const id of ids) this.#retiring.delete(id);
    }
  }
}

/** The figures of a status taken from a metrics snapshot (one run's, or the threads' merged). */
export function statusFigures(snapshot: MetricsSnapshot): Pick<RunStatus, 'totals' | 'latency' | 'errors'> {
  return {
    totals: {
      requests: snapshot.total,
      success: snapshot.success,
      failed: snapshot.failed,
      retries: snapshot.retries,
      dropped: snapshot.dropped,
      rps: snapshot.rps,
      current_rps: snapshot.current_rps,
    },
    latency: { p50: snapshot.latency.p50, p95: snapshot.latency.p95, p99: snapshot.latency.p99 },
    errors: { ...snapshot.errors },
  };
}
