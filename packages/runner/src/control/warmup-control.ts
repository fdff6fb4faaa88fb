/**
 * What `RunControl` (and the control API) steers while a run warms up (config
 * `warmup`): the status, with state `warming_up` and the warm-up's own figures,
 * and a stop, which ends the run there, as a signal does. A change and the
 * report wait for the load window (409): the warm-up is the window's load by
 * definition, and its figures are in no report figure but `warmup`.
 */
import type { Logger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import type { LiveSnapshot } from '../run.js';
import type { RunReport } from '../report.js';
import { ControlConflictError } from './errors.js';
import { statusFigures } from './live-run.js';
import type { LiveRun } from './run-control.js';
import type { RunStatus } from './schemas.js';

export interface WarmupControlParts {
  model: 'open' | 'closed';
  /** The run's sessions (all threads'). */
  sessions: number;
  /** Open model: the configured rate (or the first stage's); null in the closed model. */
  rate: number | null;
  logger: Logger;
  /** The warm-up now (the threads' merged); undefined before its first reading. */
  live(): LiveSnapshot | undefined;
  stopping(): boolean;
  /** Starts the graceful stop (reason `stopped`) with this grace (default graceful_stop); returns the grace in effect. */
  stop(gracefulStopMs: number | undefined): number;
}

const WAIT_FOR_WINDOW = 'the run is warming up (config warmup): changes and the report work once the load window starts; POST /v1/stop ends the run now';

export class WarmupControl implements LiveRun {
  readonly #parts: WarmupControlParts;

  constructor(parts: WarmupControlParts) {
    this.#parts = parts;
  }

  status(): RunStatus {
    const { live, model, rate, sessions, logger } = this.#parts;
    const snapshot = live();
    const metrics = snapshot?.metrics ?? new Metrics().snapshot();
    return {
      state: this.#parts.stopping() || snapshot?.state === 'stopping' ? 'stopping' : 'warming_up',
      model,
      sessions: { target: sessions, active: metrics.active_sessions },
      rate,
      elapsed_ms: snapshot?.elapsed_ms ?? 0,
      planned_ms: snapshot?.planned_ms ?? 0,
      iterations: snapshot?.iterations ?? 0,
      ...statusFigures(metrics),
      log_level: logger.level,
    };
  }

  update(): Promise<RunStatus> {
    return Promise.reject(new ControlConflictError(WAIT_FOR_WINDOW));
  }

  stop(options: { gracefulStopMs?: number | undefined }): { graceful_stop_ms: number } {
    return { graceful_stop_ms: this.#parts.stop(options.gracefulStopMs) };
  }

  report(): RunReport {
    throw new ControlConflictError(WAIT_FOR_WINDOW);
  }
}
