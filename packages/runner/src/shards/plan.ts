/**
 * How a run is split across shards (processes, usually on several machines)
 * so that the shards together do exactly what one process would: a run of N
 * shards with T threads each is the run of N * T threads (`planThreads`),
 * shard i taking threads i*T .. i*T + T - 1 of it. Session ids, the iteration
 * budget and the open model's arrivals (global stride N * T) follow from that.
 */
import { createHash } from 'node:crypto';
import { redactConfig, type EngineConfig } from '@session-engine/config';
import { planThreads, usableThreads, type ThreadPlan } from '../threads/partition.js';
import { ShardArgumentError } from './errors.js';

/** One shard of a run: `index` of `count`, 0-based. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The environment variable Kubernetes Indexed Jobs set to the pod's index (`--shard auto/N`). */
export const SHARD_INDEX_VARIABLE = 'JOB_COMPLETION_INDEX';

/**
 * Parses `<i>/<N>` (0-based) or `auto/<N>`, which takes the index from
 * `JOB_COMPLETION_INDEX` in `env` (as a Kubernetes Indexed Job sets it).
 * @throws ShardArgumentError saying what is wrong and how to write it
 */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const match = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/i.exec(spec);
  if (match === null) {
    throw new ShardArgumentError(`--shard "${spec}" is not a shard; write <index>/<count>, 0-based (e.g. 0/3, 1/3, 2/3), or auto/<count> to read the index from ${SHARD_INDEX_VARIABLE}`);
  }
  const count = Number(match[2]);
  if (count < 1) throw new ShardArgumentError(`--shard "${spec}": the count must be at least 1, e.g. 0/3`);
  let index: number;
  if (match[1]!.toLowerCase() === 'auto') {
    const raw = env[SHARD_INDEX_VARIABLE];
    if (raw === undefined || !/^\d+$/.test(raw.trim())) {
      throw new ShardArgumentError(
        `--shard auto/${count} reads the index from ${SHARD_INDEX_VARIABLE} (set by a Kubernetes Indexed Job), but it is ${raw === undefined ? 'not set' : JSON.stringify(raw)}; set it, or give the index: --shard <index>/${count}`,
      );
    }
    index = Number(raw.trim());
  } else {
    index = Number(match[1]);
  }
  if (index >= count) {
    throw new ShardArgumentError(`--shard ${index}/${count}: the index is 0-based and must be below the count (0 to ${count - 1})`);
  }
  return { index, count };
}

function checkSpec(shard: ShardSpec): void {
  const ok = Number.isInteger(shard?.index) && Number.isInteger(shard?.count) && shard.count >= 1 && shard.index >= 0 && shard.index < shard.count;
  if (!ok) throw new ShardArgumentError(`shard must be { index, count }: whole numbers with 0 <= index < count; got ${JSON.stringify(shard)}`);
}

/**
 * The threads every shard runs: the requested number per shard, lowered (the
 * same for every shard, so the global stride stays N * T) when the run has
 * fewer sessions, worker slots or iterations than N * T threads need.
 * @throws ShardArgumentError when the run cannot even give each shard one session, worker slot and iteration
 */
export function threadsPerShard(config: Readonly<EngineConfig>, shard: ShardSpec, requested = config.threads): number {
  checkSpec(shard);
  const perShard = Math.max(1, Math.floor(requested));
  const capacity = usableThreads(config, shard.count * perShard);
  if (capacity < shard.count) {
    const limits = [`${config.number_of_sessions} session(s)`, `${config.workers} worker slot(s)`, ...(config.iterations > 0 ? [`${config.iterations} iteration(s)`] : [])];
    throw new ShardArgumentError(
      `${shard.count} shards need at least one session, worker slot and iteration each, but the run has ${limits.join(', ')}; use fewer shards or more sessions`,
    );
  }
  return Math.floor(capacity / shard.count);
}

/**
 * Shard `shard.index`'s threads: its part of the run of `count * T` threads.
 * Each plan's `index` is the thread within the shard; its `partition` is the
 * global one (index `shard.index * T + t` of `count * T`, sessions after those
 * of the earlier shards).
 */
export function planShard(config: Readonly<EngineConfig>, shard: ShardSpec, requested = config.threads): ThreadPlan[] {
  const perShard = threadsPerShard(config, shard, requested);
  const all = planThreads(config, shard.count * perShard);
  return all.slice(shard.index * perShard, (shard.index + 1) * perShard).map((plan, t) => ({ ...plan, index: t }));
}

/**
 * Keys left out of the hash: the shard keys (the index differs by design; run id and start time
 * are compared on their own), and where and how a shard is watched, not what load it sends.
 */
const SHARD_LOCAL_KEYS = ['shard', 'run_id', 'start_at', 'max_start_lag', 'log_level', 'control_port', 'control_host'] as const;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * `sha256:<hex>` of the effective config as the report shows it (secrets redacted, so the hash
 * cannot be used to guess a password), keys sorted, without the shard keys (`shard`, `run_id`,
 * `start_at`, `max_start_lag`) and the keys a shard may set for itself (`log_level`,
 * `control_port`, `control_host`). Shards of one run have the same hash.
 */
export function configHash(config: Readonly<EngineConfig>): string {
  const redacted = { ...(redactConfig(config) as unknown as Record<string, unknown>) };
  for (const key of SHARD_LOCAL_KEYS) delete redacted[key];
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical(redacted))).digest('hex')}`;
}
