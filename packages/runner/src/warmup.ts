import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import { Scheduler, type Job, type SchedulerPartition } from '@session-engine/scheduler';
import type { SessionManager } from '@session-engine/session';
import type { WorkerPool } from '@session-engine/worker-pool';
import type { WarmupReport } from './report.js';

export interface WarmupOptions {
  config: Readonly<EngineConfig>;
  sessions: SessionManager;
  pool: WorkerPool;
  job: Job;
  logger: Logger;
  partition?: SchedulerPartition;
  /** The run's stop: the warm-up ends gracefully (its iterations finish), and so does the run. */
  signal?: AbortSignal;
  /** The run's hard stop: the warm-up's iterations are cut short. */
  forceSignal?: AbortSignal;
}

/**
 * Runs the load of the window's first `warmup` ms (the run's job, sessions,
 * rate and stages, this part's share of them) into metrics of its own, which
 * are counted here and dropped: V8 has optimised the engine's code (and the
 * job's) by the time the window starts, and the target has had its first
 * requests. Returns once the warm-up's iterations have finished, so none of
 * them runs into the window.
 */
export async function runWarmup(options: WarmupOptions): Promise<WarmupReport> {
  const { config, logger } = options;
  const metrics = new Metrics();
  const scheduler = new Scheduler({
    sessions: options.sessions,
    pool: options.pool,
    metrics,
    config: { ...config, duration: config.warmup, iterations: 0 },
    ...(options.partition ? { partition: options.partition } : {}),
  });
  // Stopped during the warm-up, as in the window: iterations in flight get graceful_stop, then
  // the warm-up gives up on them (the run's hard stop then closes the sessions under them).
  let graceTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    void scheduler.stop();
    graceTimer ??= setTimeout(() => scheduler.abandon(), config.graceful_stop);
  };
  const force = (): void => scheduler.abandon();
  options.signal?.addEventListener('abort', stop, { once: true });
  options.forceSignal?.addEventListener('abort', force, { once: true });
  logger.info(`warming up for ${config.warmup} ms: the load runs, its results are not kept`);
  const startedMs = performance.now();
  try {
    const summary = await scheduler.start(options.job);
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
  } finally {
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', stop);
    options.forceSignal?.removeEventListener('abort', force);
  }
}
