/**
 * `runShard()`: one shard of a run spread over several processes (machines,
 * Kubernetes pods). It runs its part of the run exactly as a thread does
 * (`planShard`), optionally starting at one wall-clock time shared by all
 * shards (`startAt`), and writes a report that `mergeShardReports()` combines
 * with the others' into the report of the whole run.
 */
import { redactConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import type { RunReport } from '../report.js';
import { round } from '../timeline.js';
import { runThreads, type ThreadsOptions } from '../threads/run-threads.js';
import { ShardArgumentError, ShardLateError } from './errors.js';
import { configHash, planShard, type ShardSpec } from './plan.js';

export interface ShardOptions extends Omit<ThreadsOptions, 'plans' | 'startGate'> {
  /** This shard: `index` of `count`, 0-based (`parseShard('1/3')`). */
  shard: ShardSpec;
  /** Names the run; every shard of it gets the same one, and `mergeShardReports()` refuses reports of different runs. */
  runId?: string;
  /** Start the load at this instant (after the sessions exist): give every shard the same one. */
  startAt?: Date;
  /** With `startAt`: a shard ready more than this many ms after it does not run (`ShardLateError`); default: no limit (a late shard starts at once, with a warning). */
  maxStartLagMs?: number;
}

/** The shard fields of a shard's report (and of a merged report, without `shard`). */
export interface ShardFields {
  shard: ShardSpec;
  run_id: string | null;
  start_at: string | null;
  config_hash: string;
}

/** `engine run` exits with this when a shard was ready too late (`ShardLateError`): EX_TEMPFAIL of sysexits.h. */
export const SHARD_LATE_EXIT_CODE = 75;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Checks a run id: 1-100 letters, digits, ".", "_", "-", starting with a letter or digit (it goes into file names and Kubernetes labels). */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new ShardArgumentError(`--run-id ${JSON.stringify(runId)} is not a run id; use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. checkout-2026-11-28`);
  }
  return runId;
}

/**
 * Parses `--start-at`: an ISO 8601 time with a time zone (`Z` or `+01:00`), so every machine reads
 * the same instant whatever its local zone.
 */
export function parseStartAt(text: string): Date {
  const trimmed = text.trim();
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  const ms = Date.parse(trimmed);
  if (!ok || Number.isNaN(ms)) {
    throw new ShardArgumentError(
      `--start-at ${JSON.stringify(text)} is not an ISO 8601 time with a time zone; write e.g. 2026-11-28T12:00:00Z (date -u -d '+2 min' +%Y-%m-%dT%H:%M:%SZ gives one two minutes ahead)`,
    );
  }
  return new Date(ms);
}

/** Waits until `at` (or until `signal` aborts); resolves at once when `at` has passed. */
function waitUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const wait = at - Date.now();
  if (wait <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    // Timers are capped at 2^31-1 ms (24.8 days): a later start waits in steps.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(waitUntil(at, signal));
    }, Math.min(wait, 2 ** 31 - 1));
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs shard `options.shard` of `options.config` (with `config.threads` threads in this process)
 * and resolves with its report, which records `shard`, `run_id`, `start_at` and `config_hash`;
 * `config` in it is the whole run's.
 * @throws ShardArgumentError a bad shard, run id or lag, or more shards than the run has work for
 * @throws ShardLateError the shard was ready later than `startAt` + `maxStartLagMs`
 */
export async function runShard(options: ShardOptions): Promise<RunReport & ShardFields> {
  const { config, shard, runId, startAt, maxStartLagMs } = options;
  if (typeof config !== 'object' || config === null) throw new ShardArgumentError('runShard() needs `config`: the object loadConfig() returns');
  if (runId !== undefined) checkRunId(runId);
  if (startAt !== undefined && (!(startAt instanceof Date) || Number.isNaN(startAt.getTime()))) throw new ShardArgumentError('runShard(): `startAt` must be a valid Date');
  if (maxStartLagMs !== undefined && !(Number.isFinite(maxStartLagMs) && maxStartLagMs >= 0)) {
    throw new ShardArgumentError(`--max-start-lag must be a duration ≥ 0, e.g. 5s; got ${String(maxStartLagMs)}`);
  }
  if (maxStartLagMs !== undefined && startAt === undefined) throw new ShardArgumentError('--max-start-lag needs --start-at: it is measured from that instant');
  const requested = options.threads ?? config.threads ?? 1;
  const plans = planShard(config, shard, requested);
  const logger = options.logger ?? createLogger({ level: config.log_level });
  logger.info(`shard ${shard.index}/${shard.count}`, {
    run_id: runId,
    sessions: plans.reduce((sum, plan) => sum + plan.config.number_of_sessions, 0),
    first_session: plans[0]!.partition.sessionsBefore + 1,
    threads: plans.length,
    start_at: startAt?.toISOString(),
  });

  // The wait for startAt is not start-up: it is taken out of the report's `startup`.
  let waitedMs = 0;
  const startGate = async (): Promise<void> => {
    if (startAt === undefined) return;
    const late = Date.now() - startAt.getTime();
    if (late > 0) {
      if (maxStartLagMs !== undefined && late > maxStartLagMs) {
        throw new ShardLateError(
          `shard ${shard.index}/${shard.count} was ready ${late} ms after --start-at ${startAt.toISOString()}, more than --max-start-lag ${maxStartLagMs} ms: it does not run late and out of step with the other shards; start it earlier (or give a later --start-at), then merge with --allow-partial or run it again`,
          late,
        );
      }
      logger.warn(`shard ${shard.index}/${shard.count} is ${late} ms late for --start-at ${startAt.toISOString()}: starting now`);
      return;
    }
    logger.info(`waiting ${Math.round(-late)} ms for --start-at ${startAt.toISOString()}`);
    const waitFrom = performance.now();
    await waitUntil(startAt.getTime(), options.signal);
    waitedMs = performance.now() - waitFrom;
  };

  const { shard: _shard, runId: _runId, startAt: _startAt, maxStartLagMs: _lag, ...threadOptions } = options;
  const report = await runThreads({ ...threadOptions, logger, threads: requested, plans, startGate });
  return {
    ...report,
    startup: round(Math.max(0, report.startup - waitedMs / 1000)),
    // The whole run's config, the same in every shard's report (so are the hash and the thresholds).
    config: redactConfig(config) as unknown as Record<string, unknown>,
    shard: { index: shard.index, count: shard.count },
    run_id: runId ?? null,
    start_at: startAt?.toISOString() ?? null,
    config_hash: configHash(config),
  };
}
