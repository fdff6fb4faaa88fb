/**
 * The live side of a run across worker threads, in the main thread: what the
 * control API (and a `RunControl`) steers when `runThreads()` splits the run.
 *
 * - Status: the threads' latest cumulative snapshots merged (as the live line
 *   and Prometheus are), with the run's state, model, session target, rate and
 *   log level kept here; each thread's figures are in `threads`, and the
 *   totals are their sum.
 * - A change is checked once, here, with the same messages as one run's; then
 *   split as at start (`splitRunChange`: sessions divided with the remainder
 *   to the first threads, the whole run's rate to every thread, which takes its
 *   interleaved share of the one schedule) and sent to each thread, which
 *   applies it through its own `RunControl`; the answer waits for every
 *   thread's acknowledgement.
 * - Session ids stay unique: a thread adds sessions on its own stride above
 *   the ids at start (thread t of N: S + 1 + t, S + 1 + t + N, ..., where S
 *   is the run's sessions at start; see `RunPartition.totalSessions`).
 */
import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import { stageValue } from '@session-engine/scheduler';
import { RunnerError } from '../errors.js';
import { ControlConflictError, ControlInvalidArgumentError, ControlNotRunningError } from '../control/errors.js';
import { checkRunChange, statusFigures } from '../control/live-run.js';
import type { LiveRun } from '../control/run-control.js';
import { parseRunChange, type RunChange, type RunStatus } from '../control/schemas.js';
import type { RunReport } from '../report.js';
import type { LiveSnapshot } from '../run.js';
import { mergeLive } from './live.js';
import { splitRunChange } from './partition.js';
import type { FromThread, ToThread } from './protocol.js';

/** What the main thread of `runThreads()` gives its live run. */
export interface ThreadsHost {
  /** The whole run's config. */
  config: Readonly<EngineConfig>;
  logger: Logger;
  /** Threads side by side. */
  count: number;
  /** Each thread's sessions at start (its plan's). */
  sessionsAtStart: readonly number[];
  /** Each thread's latest cumulative snapshot (undefined before its first). */
  snapshot(index: number): LiveSnapshot | undefined;
  /** Posts to a thread; false when it has ended (it takes no message). */
  post(index: number, message: ToThread): boolean;
  /** A stop began (any reason). */
  stopping(): boolean;
  /** The same stop as the first SIGINT for every thread, with this grace (default graceful_stop); returns the grace in effect. */
  stop(gracefulStopMs: number | undefined): number;
  /** The merged report so far. */
  report(): RunReport;
}

type Ack = Extract<FromThread, { type: 'updated' }>;

/** The error a thread answered with, as the same class (the control API maps classes to statuses). */
function errorOf(ack: Extract<Ack, { ok: false }>): Error {
  if (ack.code === 'SE_ERR_RUNNER_CONTROL_CONFLICT') return new ControlConflictError(ack.message);
  if (ack.code === 'SE_ERR_RUNNER_CONTROL_NOT_RUNNING') return new ControlNotRunningError();
  if (ack.code === 'SE_ERR_RUNNER_INVALID_ARGUMENT' && ack.issues !== undefined) return new ControlInvalidArgumentError(ack.issues);
  return new RunnerError(ack.message, ack.code || 'SE_ERR_RUNNER');
}

export class ThreadsLive implements LiveRun {
  readonly #host: ThreadsHost;
  readonly #model: 'open' | 'closed';
  readonly #plannedMs: number;
  #target: number;
  /** Each thread's share of the target, as last sent. */
  #targets: number[];
  /** The rate set live (replacing the configured rate and any stages); undefined = as configured. */
  #rate: number | undefined;
  #paused = false;
  #id = 0;
  /** Acknowledgements awaited: message id -> thread -> settle (undefined: the thread ended first). */
  readonly #pending = new Map<number, Map<number, (ack: Ack | undefined) => void>>();
  /** Active sessions a thread reported with its acknowledgement, newer than the snapshot it came after. */
  readonly #activeAfter = new Map<number, { active: number; after: LiveSnapshot | undefined }>();

  constructor(host: ThreadsHost) {
    this.#host = host;
    const { config } = host;
    this.#model = config.rate > 0 ? 'open' : 'closed';
    this.#plannedMs = config.duration > 0 ? config.duration : config.stages.reduce((sum, stage) => sum + stage.duration, 0);
    this.#targets = [...host.sessionsAtStart];
    this.#target = this.#targets.reduce((sum, n) => sum + n, 0);
  }

  status(): RunStatus {
    const host = this.#host;
    const snapshots = Array.from({ length: host.count }, (_, index) => host.snapshot(index));
    const present = snapshots.filter((s): s is LiveSnapshot => s !== undefined);
    const merged = present.length > 0 ? mergeLive(present, host.config.iterations) : undefined;
    const metrics = merged?.metrics ?? new Metrics().snapshot();
    const threads = snapshots.map((snapshot, index) => ({
      thread: index,
      sessions: { target: this.#targets[index] ?? 0, active: this.#activeOf(index, snapshot) },
      iterations: snapshot?.iterations ?? 0,
      requests: snapshot?.metrics.total ?? 0,
      failed: snapshot?.metrics.failed ?? 0,
    }));
    const elapsed = merged?.elapsed_ms ?? 0;
    return {
      state: host.stopping() || merged?.state === 'stopping' ? 'stopping' : this.#paused ? 'paused' : 'running',
      model: this.#model,
      sessions: { target: this.#target, active: threads.reduce((sum, t) => sum + t.sessions.active, 0) },
      rate: this.#model === 'closed' ? null : (this.#rate ?? stageValue(host.config.stages, host.config.rate, elapsed)),
      elapsed_ms: elapsed,
      planned_ms: this.#plannedMs,
      iterations: merged?.iterations ?? 0,
      ...statusFigures(metrics),
      log_level: host.logger.level,
      threads,
    };
  }

  async update(input: RunChange): Promise<RunStatus> {
    const change = parseRunChange(input);
    const host = this.#host;
    // Checked once, here, before any thread hears of it: a refused change changes nothing.
    checkRunChange(change, { model: this.#model, stages: host.config.stages.length, stopping: host.stopping() });
    if (change.sessions !== undefined && change.sessions < host.count) {
      throw new ControlInvalidArgumentError([
        {
          field: 'sessions',
          message: `must be >= ${host.count} in this run across ${host.count} threads: each thread keeps at least one session (sessions are split as at start); got ${change.sessions}`,
        },
      ]);
    }
    const parts = splitRunChange(change, host.count);
    if (change.sessions !== undefined) {
      this.#target = change.sessions;
      this.#targets = parts.map((part) => part.sessions ?? 0);
    }
    if (change.rate !== undefined) this.#rate = change.rate;
    if (change.paused !== undefined) this.#paused = change.paused;
    // The threads log the change; the main thread's own lines follow the level silently.
    if (change.log_level !== undefined) host.logger.setLevel(change.log_level);
    const id = ++this.#id;
    const waiting = new Map<number, (ack: Ack | undefined) => void>();
    this.#pending.set(id, waiting);
    const acks = parts.map(
      (part, index) =>
        new Promise<Ack | undefined>((resolve) => {
          waiting.set(index, resolve);
          if (!host.post(index, { type: 'update', id, change: part })) this.threadEnded(index);
        }),
    );
    const answers = await Promise.all(acks);
    this.#pending.delete(id);
    const failed = answers.find((ack): ack is Extract<Ack, { ok: false }> => ack !== undefined && !ack.ok);
    if (failed !== undefined) throw errorOf(failed);
    return this.status();
  }

  stop(options: { gracefulStopMs?: number | undefined }): { graceful_stop_ms: number } {
    return { graceful_stop_ms: this.#host.stop(options.gracefulStopMs) };
  }

  report(): RunReport {
    return this.#host.report();
  }

  /** A thread's acknowledgement of a change. */
  acknowledged(index: number, ack: Ack): void {
    if (ack.ok) this.#activeAfter.set(index, { active: ack.active, after: this.#host.snapshot(index) });
    const settle = this.#pending.get(ack.id)?.get(index);
    this.#pending.get(ack.id)?.delete(index);
    settle?.(ack);
  }

  /** A thread ended (reported, crashed, terminated): no acknowledgement will come from it. */
  threadEnded(index: number): void {
    for (const waiting of this.#pending.values()) {
      const settle = waiting.get(index);
      waiting.delete(index);
      settle?.(undefined);
    }
  }

  /** A thread's active sessions: from its acknowledgement until its next snapshot supersedes it. */
  #activeOf(index: number, snapshot: LiveSnapshot | undefined): number {
    const acked = this.#activeAfter.get(index);
    if (acked !== undefined && acked.after === snapshot) return acked.active;
    return snapshot?.metrics.active_sessions ?? 0;
  }
}
