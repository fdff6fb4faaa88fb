/**
 * `engine run --shard <i>/<N> [--run-id] [--start-at] [--max-start-lag]`:
 * the flags of a shard (config keys `shard`, `run_id`, `start_at`,
 * `max_start_lag`, so also `SESSION_ENGINE_SHARD`, ...), and the effective
 * config's shard keys mapped to what `runShard()` takes.
 */
import type { EngineConfig } from '@session-engine/config';
import { checkRunId, parseShard, parseStartAt, type ShardOptions } from '@session-engine/runner';
import { CliError } from './cli-error.js';

export interface ShardFlags {
  shard?: string;
  'run-id'?: string;
  'start-at'?: string;
  'max-start-lag'?: string;
}

/** What `runShard()` takes besides the run's options. */
export type ShardPlan = Pick<ShardOptions, 'shard' | 'runId' | 'startAt' | 'maxStartLagMs'>;

/**
 * The shard flags as config overrides.
 * @throws CliError (SE_ERR_CLI_FLAG) a shard flag without --shard, --max-start-lag without --start-at, a lag that is not a duration
 * @throws ShardArgumentError a bad --shard, --run-id or --start-at
 */
export function shardOverrides(flags: ShardFlags): Record<string, unknown> {
  if (flags.shard === undefined) {
    const stray = (['run-id', 'start-at', 'max-start-lag'] as const).find((name) => flags[name] !== undefined);
    if (stray !== undefined) throw new CliError(`--${stray} goes with --shard <index>/<count>; add --shard (0/1 for a single process), or drop --${stray}`, 'SE_ERR_CLI_FLAG');
  }
  let lag = flags['max-start-lag']?.trim();
  if (lag !== undefined) {
    if (/^\d+(\.\d+)?$/.test(lag)) lag = `${lag}s`;
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(lag)) throw new CliError(`--max-start-lag "${flags['max-start-lag']}" is not a duration; use a number with a unit, e.g. 5s, 500ms, 1m`, 'SE_ERR_CLI_FLAG');
    if (flags['start-at'] === undefined) throw new CliError('--max-start-lag is measured from --start-at; add --start-at <time>, or drop --max-start-lag', 'SE_ERR_CLI_FLAG');
  }
  // Checked here too, so the message names the flag (the config's names the key).
  if (flags.shard !== undefined) parseShard(flags.shard.replace(/^\s*auto\s*\//i, '0/'));
  if (flags['run-id'] !== undefined) checkRunId(flags['run-id']);
  if (flags['start-at'] !== undefined) parseStartAt(flags['start-at']);
  const o: Record<string, unknown> = {};
  if (flags.shard !== undefined) o['shard'] = flags.shard;
  if (flags['run-id'] !== undefined) o['run_id'] = flags['run-id'];
  if (flags['start-at'] !== undefined) o['start_at'] = flags['start-at'];
  if (lag !== undefined) o['max_start_lag'] = lag;
  return o;
}

/**
 * The shard of the effective config; undefined when it is not sharded.
 * @throws ShardArgumentError `auto/<count>` without JOB_COMPLETION_INDEX (or out of range)
 */
export function shardFromConfig(config: Readonly<EngineConfig>, env: NodeJS.ProcessEnv): ShardPlan | undefined {
  if (config.shard === '') return undefined;
  return {
    shard: parseShard(config.shard, env),
    ...(config.run_id !== '' ? { runId: config.run_id } : {}),
    ...(config.start_at !== '' ? { startAt: parseStartAt(config.start_at) } : {}),
    ...(config.max_start_lag !== undefined ? { maxStartLagMs: config.max_start_lag } : {}),
  };
}
