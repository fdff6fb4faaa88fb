/**
 * How a run is split across worker threads so that the threads together do
 * exactly what one thread would: sessions in consecutive id ranges, workers
 * and the iteration budget divided with the remainder to the first threads,
 * the open model's arrivals interleaved (thread t takes k = t, t + N, ...;
 * see the scheduler's `partition`).
 */
import type { EngineConfig } from '@session-engine/config';
import type { RunChange } from '../control/schemas.js';
import type { RunPartition } from '../run.js';

/** One thread's part of the run. */
export interface ThreadPlan {
  /** The thread, 0-based. */
  index: number;
  /** This thread's config: its share of `number_of_sessions`, `workers` and `iterations`; `threads: 1`, no `control_port`. */
  config: EngineConfig;
  /** What `run({ partition })` takes. */
  partition: RunPartition;
}

/** Part `index` of `total` split `count` ways: the remainder goes to the first parts. */
export function share(total: number, count: number, index: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * The threads a run can use: the requested number, but no more than there are
 * sessions, worker slots or iterations to give them (a thread without any has
 * nothing to do, and 0 iterations would mean unlimited).
 */
export function usableThreads(config: Readonly<EngineConfig>, requested = config.threads): number {
  let count = Math.max(1, Math.floor(requested));
  count = Math.min(count, config.number_of_sessions, config.workers);
  if (config.iterations > 0) count = Math.min(count, config.iterations);
  return Math.max(1, count);
}

/** Splits `config` into `usableThreads(config)` parts; their sessions, workers and iterations add up to the config's. */
export function planThreads(config: Readonly<EngineConfig>, requested = config.threads): ThreadPlan[] {
  const count = usableThreads(config, requested);
  const plans: ThreadPlan[] = [];
  let sessionsBefore = 0;
  for (let index = 0; index < count; index++) {
    const sessions = share(config.number_of_sessions, count, index);
    plans.push({
      index,
      config: {
        ...config,
        threads: 1,
        number_of_sessions: sessions,
        workers: share(config.workers, count, index),
        iterations: config.iterations > 0 ? share(config.iterations, count, index) : 0,
        // The control API is the whole run's, not a thread's: threads never serve one.
        control_port: undefined,
      },
      partition: { index, count, sessionsBefore, totalSessions: config.number_of_sessions },
    });
    sessionsBefore += sessions;
  }
  return plans;
}

/**
 * A live change of the whole run as each thread's change: `sessions` split as
 * at start (`share`, the remainder to the first threads); `rate` stays the
 * whole run's (each thread takes its interleaved 1/count of the one schedule,
 * as at start); `paused` and `log_level` go to every thread.
 */
export function splitRunChange(change: Readonly<RunChange>, count: number): RunChange[] {
  return Array.from({ length: count }, (_, index) => {
    const part: RunChange = {};
    if (change.sessions !== undefined) part.sessions = share(change.sessions, count, index);
    if (change.rate !== undefined) part.rate = change.rate;
    if (change.paused !== undefined) part.paused = change.paused;
    if (change.log_level !== undefined) part.log_level = change.log_level;
    return part;
  });
}
