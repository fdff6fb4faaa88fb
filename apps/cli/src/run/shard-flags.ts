/**
 * `engine run --shard <i>/<N> [--run-id] [--start-at] [--max-start-lag]`:
 * the flags of a shard, checked before anything starts, mapped to what
 * `runShard()` takes.
 */
import { parseDuration } from '@session-engine/config';
import { checkRunId, parseShard, parseStartAt, type ShardOptions } from '@session-engine/runner';
import { CliError } from './cli-error.js';

/** `--max-start-lag` in ms: a duration with a unit, or bare seconds (as every duration flag). */
function lagMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  try {
    return parseDuration(/^\d+(\.\d+)?$/.test(trimmed) ? `${trimmed}s` : trimmed);
  } catch {
    throw new CliError(`--max-start-lag "${value}" is not a duration; use a number with a unit, e.g. 5s, 500ms, 1m`, 'SE_ERR_CLI_FLAG');
  }
}

export interface ShardFlags {
  shard?: string;
  'run-id'?: string;
  'start-at'?: string;
  'max-start-lag'?: string;
}

/** What `runShard()` takes besides the run's options; undefined without `--shard`. */
export type ShardPlan = Pick<ShardOptions, 'shard' | 'runId' | 'startAt' | 'maxStartLagMs'>;

/**
 * @throws CliError (SE_ERR_CLI_FLAG) a shard flag without --shard, or --max-start-lag without --start-at
 * @throws ShardArgumentError a bad --shard, --run-id or --start-at
 */
export function shardFromFlags(flags: ShardFlags, env: NodeJS.ProcessEnv): ShardPlan | undefined {
  if (flags.shard === undefined) {
    const stray = (['run-id', 'start-at', 'max-start-lag'] as const).find((name) => flags[name] !== undefined);
    if (stray !== undefined) throw new CliError(`--${stray} goes with --shard <index>/<count>; add --shard (0/1 for a single process), or drop --${stray}`, 'SE_ERR_CLI_FLAG');
    return undefined;
  }
  const lag = lagMs(flags['max-start-lag']);
  if (lag !== undefined && flags['start-at'] === undefined) {
    throw new CliError('--max-start-lag is measured from --start-at; add --start-at <time>, or drop --max-start-lag', 'SE_ERR_CLI_FLAG');
  }
  return {
    shard: parseShard(flags.shard, env),
    ...(flags['run-id'] !== undefined ? { runId: checkRunId(flags['run-id']) } : {}),
    ...(flags['start-at'] !== undefined ? { startAt: parseStartAt(flags['start-at']) } : {}),
    ...(lag !== undefined ? { maxStartLagMs: lag } : {}),
  };
}
