import { parseConfig } from '@session-engine/config';
import { describe, expect, it } from 'vitest';
import { planThreads } from '../threads/partition.js';
import { ShardArgumentError } from './errors.js';
import { configHash, parseShard, planShard, threadsPerShard } from './plan.js';

describe('parseShard', () => {
  it('reads <index>/<count>, 0-based, and auto/<count> from JOB_COMPLETION_INDEX', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
  });

  it('refuses an index out of range, a malformed spec and auto without the variable, saying how to write it', () => {
    expect(() => parseShard('3/3')).toThrow(/0-based and must be below the count \(0 to 2\)/);
    expect(() => parseShard('1-3')).toThrow(/write <index>\/<count>/);
    expect(() => parseShard('0/0')).toThrow(/at least 1/);
    expect(() => parseShard('auto/3', {})).toThrow(/JOB_COMPLETION_INDEX .*not set/);
    expect(() => parseShard('auto/3', { JOB_COMPLETION_INDEX: '5' })).toThrow(/below the count/);
    try {
      parseShard('x');
    } catch (error) {
      expect(error).toBeInstanceOf(ShardArgumentError);
      expect((error as ShardArgumentError).code).toBe('SE_ERR_RUNNER_SHARD_INVALID_ARGUMENT');
    }
  });
});

describe('planShard', () => {
  it('gives shard i threads i*T.. of the run of N*T threads: sessions, ids, iterations and arrivals add up to the whole run', () => {
    const config = parseConfig({ number_of_sessions: 11, iterations: 1003, rate: 100, duration: '2s', threads: 2 });
    const all = planThreads(config, 6);
    const shards = [0, 1, 2].map((index) => planShard(config, { index, count: 3 }));
    expect(shards.map((plans) => plans.length)).toEqual([2, 2, 2]);
    const flat = shards.flat();
    // Global partitions: index 0..5 of 6 (the stride of the open model's arrivals), ids in consecutive ranges.
    expect(flat.map((plan) => plan.partition)).toEqual(all.map((plan) => plan.partition));
    expect(flat.map((plan) => plan.config.number_of_sessions)).toEqual(all.map((plan) => plan.config.number_of_sessions));
    expect(flat.reduce((sum, plan) => sum + plan.config.number_of_sessions, 0)).toBe(11);
    expect(flat.reduce((sum, plan) => sum + plan.config.iterations, 0)).toBe(1003);
    // Within a shard, the threads are numbered from 0 (logs, the report's threads).
    expect(shards[2]!.map((plan) => plan.index)).toEqual([0, 1]);
    expect(shards[2]![0]!.partition).toMatchObject({ index: 4, count: 6, sessionsBefore: 8 });
  });

  it('lowers the threads per shard evenly when the run has too little work for N*T, and refuses more shards than work', () => {
    const config = parseConfig({ number_of_sessions: 5, threads: 4 });
    expect(threadsPerShard(config, { index: 0, count: 2 })).toBe(2);
    const plans = [0, 1].map((index) => planShard(config, { index, count: 2 }));
    expect(plans.flat().map((plan) => plan.partition.count)).toEqual([4, 4, 4, 4]);
    expect(() => planShard(parseConfig({ number_of_sessions: 2 }), { index: 0, count: 3 })).toThrow(/3 shards need at least one session.*2 session\(s\)/);
    expect(() => planShard(parseConfig({ number_of_sessions: 5, iterations: 2 }), { index: 0, count: 3 })).toThrow(/2 iteration\(s\)/);
  });
});

describe('configHash', () => {
  it('is the same for the same config whatever the shard-local keys, and differs when the load differs', () => {
    const base = parseConfig({ number_of_sessions: 10, target_url: 'http://127.0.0.1:1/' });
    expect(configHash(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(configHash({ ...base, log_level: 'debug', control_port: 6565 })).toBe(configHash(base));
    expect(configHash({ ...base, shard: '2/3', run_id: 'r1', start_at: '2026-11-28T12:00:00Z', max_start_lag: 5_000 })).toBe(configHash(base));
    expect(configHash({ ...base, number_of_sessions: 11 })).not.toBe(configHash(base));
    expect(configHash({ ...base, threads: 2 })).not.toBe(configHash(base));
  });
});
