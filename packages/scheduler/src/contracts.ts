/**
 * What the scheduler needs from its collaborators, written structurally:
 * `SessionManager`/`Session`, `WorkerPool`, `Metrics`, `Logger` and
 * `EngineConfig` fit as they are, and a unit test can pass small fakes.
 */
import type { SessionRequest, SessionResponse, SessionState } from '@session-engine/session';

export type { SessionRequest, SessionResponse, SessionState };

/** The part of a session the scheduler uses. */
export interface SchedulerSession {
  readonly id: number;
  /** `paused` and `closed` sessions get no jobs; the scheduler never starts/stops sessions itself. */
  readonly state: SessionState;
  request(req: SessionRequest): Promise<SessionResponse>;
  pause(): void;
  resume(): void;
}

/** Where sessions come from (`SessionManager` fits). Read again while running, so added/removed sessions are followed. */
export interface SessionSource<S extends SchedulerSession = SchedulerSession> {
  get(id: number): S | undefined;
  /** Ascending ids. */
  ids(): number[];
  count(): number;
}

/** A submitted job handle (`SubmittedJob` fits). */
export interface PoolJob {
  readonly id: number;
  /** Settles (never rejects) when the job has run or was dropped by the pool. */
  readonly done: Promise<unknown>;
}

/** The worker pool (`WorkerPool` fits). The pool must be started by its owner. */
export interface SchedulerPool {
  /**
   * Resolves once queued, waiting while the queue is full; rejects once the
   * pool is stopped. `onSettled` is called once the job has run (`ok` false
   * with the `error` it threw or rejected with) or was dropped (`ok` false).
   */
  submit(job: () => Promise<void> | void, onSettled: (result: { ok: boolean; error?: unknown }) => void): Promise<PoolJob>;
  /** Queues without waiting, or returns `undefined` when the queue is full (then `onSettled` is never called). */
  trySubmit(job: () => Promise<void> | void, onSettled: (result: { ok: boolean; error?: unknown }) => void): PoolJob | undefined;
}

/**
 * Why an open-model start was dropped: no session was idle (all busy, paused
 * or closed), or a session was idle but the worker pool's queue was full.
 */
export type DropCause = 'no_idle_session' | 'pool_full';

/** The recording calls used here (`Metrics` fits). */
export interface SchedulerMetrics {
  recordSuccess(status: number, latencyMicros: number, bytes?: number, step?: string): void;
  recordExpected(status: number, latencyMicros: number, bytes?: number, step?: string): void;
  recordFailure(kind: string, latencyMicros: number, status?: number, bytes?: number, step?: string): void;
  recordRetry(): void;
  /** A named check's outcome (`JobContext.check`): a pass or a fail, apart from requests. */
  recordCheck(name: string, ok: boolean): void;
  /** An open-model start that was not issued, and why. */
  recordDropped(cause: DropCause): void;
  setActiveSessions(n: number): void;
}

/** The logger calls used here (`Logger` fits). */
export interface SchedulerLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface StageConfig {
  /** ms */
  readonly duration: number;
  readonly target: number;
}

/** The config fields the scheduler reads (a subset of `EngineConfig`; ms). */
export interface SchedulerConfig {
  /** 0 = closed model; > 0 = open model, starts per second. */
  readonly rate: number;
  /** ms; 0 = until stopped or `iterations` (or the sum of the stages, if any). */
  readonly duration: number;
  /** Total job starts; 0 = unlimited. */
  readonly iterations: number;
  readonly max_retries: number;
  readonly stages: readonly StageConfig[];
}
