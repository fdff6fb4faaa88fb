import { LatencyHistogram } from './latency-histogram.js';
import { StatusCounts } from './status-counts.js';

/**
 * Why an open-model start was dropped: no session was idle (all busy, paused
 * or closed), or one was idle but the worker pool's queue was full.
 */
export type DropCause = 'no_idle_session' | 'pool_full';

export const DROP_CAUSES: readonly DropCause[] = ['no_idle_session', 'pool_full'];

/** Tallies of one scenario step. */
export class StepState {
  success = 0;
  failed = 0;
  readonly histogram = LatencyHistogram.create();
}

/** Passes and fails of one named check. */
export interface CheckCounts {
  passes: number;
  fails: number;
}

/**
 * The raw tallies behind a Metrics instance. Plain fields so that the record
 * path is property increments; the snapshot builder and the Prometheus
 * collectors only read them. `total` is not stored: it is success + failed.
 */
export class MetricsState {
  success = 0;
  failed = 0;
  retries = 0;
  /** Dropped starts by cause; their sum is `dropped`. */
  readonly droppedByCause: Record<DropCause, number> = { no_idle_session: 0, pool_full: 0 };

  get dropped(): number {
    return this.droppedByCause.no_idle_session + this.droppedByCause.pool_full;
  }
  bytesReceived = 0;
  activeSessions = 0;
  /** Sum of the recorded latencies (as recorded: whole us, at least 1), for Prometheus `_sum`. */
  latencySumMicros = 0;
  readonly histogram = LatencyHistogram.create();
  readonly statuses = new StatusCounts();
  readonly errors = new Map<string, number>();
  readonly steps = new Map<string, StepState>();
  readonly checks = new Map<string, CheckCounts>();

  /** Clears every tally except `activeSessions`, which describes the present, not the past. */
  reset(): void {
    this.success = 0;
    this.failed = 0;
    this.retries = 0;
    this.droppedByCause.no_idle_session = 0;
    this.droppedByCause.pool_full = 0;
    this.bytesReceived = 0;
    this.latencySumMicros = 0;
    this.histogram.reset();
    this.statuses.reset();
    this.errors.clear();
    this.steps.clear();
    this.checks.clear();
  }
}
