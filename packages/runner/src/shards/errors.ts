/**
 * Errors of sharded runs (`runShard()`, `planShard()`, `parseShard()`) and of
 * merging shard reports (`mergeShardReports()`, `engine report merge`).
 */
import { RunnerError } from '../errors.js';

/** A bad shard argument: `--shard`, `--run-id`, `--start-at`, `--max-start-lag`, or more shards than the run has work for. */
export class ShardArgumentError extends RunnerError {
  constructor(message: string) {
    super(message, 'SE_ERR_RUNNER_SHARD_INVALID_ARGUMENT');
    this.name = 'ShardArgumentError';
  }
}

/**
 * The shard was ready (its sessions exist) later than `start_at` plus `max_start_lag`: it does not
 * run late and out of step with the others. `engine run` exits with SHARD_LATE_EXIT_CODE (75).
 */
export class ShardLateError extends RunnerError {
  /** How late the shard was, in ms past `start_at`. */
  readonly lateMs: number;

  constructor(message: string, lateMs: number) {
    super(message, 'SE_ERR_RUNNER_SHARD_LATE');
    this.name = 'ShardLateError';
    this.lateMs = lateMs;
  }
}

/** Why shard reports cannot be merged. */
export type ShardMergeCode =
  | 'SE_ERR_RUNNER_SHARD_NOT_SHARD'
  | 'SE_ERR_RUNNER_SHARD_MISMATCH'
  | 'SE_ERR_RUNNER_SHARD_DUPLICATE'
  | 'SE_ERR_RUNNER_SHARD_MISSING';

/** Shard reports that do not make one run: not shard reports, of different runs or configs, the same shard twice, or a shard missing. */
export class ShardMergeError extends RunnerError {
  constructor(message: string, code: ShardMergeCode) {
    super(message, code);
    this.name = 'ShardMergeError';
  }
}
