import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import { Scheduler, type Job, type SchedulerPartition } from '@session-engine/scheduler';
import type { SessionManager } from '@session-engine/session';
import type { WorkerPool } from '@session-engine/worker-pool';
import type { WarmupReport } from './report.js';
import type { LiveSnapshot } from './run.js';

export interface WarmupOptions {
  config: Readonly<EngineConfig>;
  sessions: SessionManager;
  pool: WorkerPool;
  job: Job;
  logger: Logger;
  partition?: SchedulerPartition;
}

/**
 * A warm-up in progress. `done` settles with its figures once its iterations
 * have finished, so none runs into the window. The run's stop wiring drives
 * it as it drives the window: `stop()` at a stop (no new iteration),
 * `abandon()` at the hard stop (it stops waiting for what still runs).
 */
export interface RunningWarmup {
  readonly done: Promise<WarmupReport>;
  /** A live reading of the warm-up (`phase: 'warmup'`), for progress while it runs. */
  live(): LiveSnapshot;
  stop(): void;
  abandon(): void;
}

/**
 * Starts the load of the window's first `warmup` ms (the run's job, sessions,
 * rate and stages, this part's share of them) into metrics of its own, which
 * are counted here and dropped: V8 has optimised the engine's code (and the
 * job's) by the time the window starts, and the target has had its first
 * requests.
 */
export function startWarmup(options: WarmupOptions): RunningWarmup {
  const { config, logger } = options;
  const metrics = new Metrics();
  const scheduler = new Scheduler({
    sessions: options.sessions,
    pool: options.pool,
    metrics,
    config: { ...config, duration: config.warmup, iterations: 0 },
    ...(options.partition ? { partition: options.partition } : {}),
  });
  logger.info(`warming up for ${config.warmup} ms: the load runs, its results are not kept`);
  const startedMs = performance.now();
  const done = scheduler.start(options.job).then((summary) => {
    const snapshot = metrics.snapshot();
    const warmup: WarmupReport = {
      duration: Math.round(performance.now() - startedMs) / 1000,
      iterations: summary.iterations,
      requests: snapshot.total,
      failed: snapshot.failed,
      dropped: summary.dropped,
    };
    logger.info('warm-up done', { ...warmup });
    return warmup;
  });
  let stopping = false;
  return {
    done,
    live: () => {
      const snapshot = metrics.snapshot();
      return {
        phase: 'warmup',
        elapsed_ms: snapshot.elapsed_ms,
        planned_ms: config.warmup,
        iterations: scheduler.started,
        planned_iterations: 0,
        state: stopping ? 'stopping' : 'running',
        metrics: snapshot,
      };
    },
    stop: () => {
      stopping = true;
      void scheduler.stop();
    },
    abandon: () => scheduler.abandon(),
  };
}
