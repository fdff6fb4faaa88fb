import { Metrics } from '@session-engine/metrics';
import { describe, expect, it } from 'vitest';
import { buildReport, type RunReport } from '../report.js';
import { mergeShardReports } from './merge-shards.js';

/** A shard's report with `n` successful requests (latency k ms for the k-th) and the given shard fields. */
function shardReport(index: number, count: number, n: number, extra: Partial<RunReport> = {}): RunReport {
  const metrics = new Metrics();
  for (let k = 1; k <= n; k++) metrics.recordSuccess(200, (index * 100 + k) * 1000, 10, 'me');
  const report = buildReport({
    engine: '0.1.0',
    startedAt: new Date(Date.UTC(2026, 10, 28, 12, 0, 0)),
    finishedAt: new Date(Date.UTC(2026, 10, 28, 12, 0, 10)),
    reason: 'iterations',
    model: 'closed',
    target: 'http://127.0.0.1:1',
    iterations: n,
    failedIterations: 0,
    interruptedIterations: 0,
    snapshot: metrics.snapshot(),
    sessions: { configured: 2, created: 2, failed_to_create: 0 },
    failureReasons: new Map(),
    timeline: [],
    config: { thresholds: [{ threshold: 'p(50)<150ms', abort_on_fail: false, delay: 0 }] },
  });
  return { ...report, shard: { index, count }, run_id: 'r1', start_at: '2026-11-28T12:00:00.000Z', config_hash: 'sha256:aa', ...extra };
}

describe('mergeShardReports', () => {
  it('merges the shards exactly, records each shard and evaluates the thresholds on the merged figures', () => {
    const merged = mergeShardReports([shardReport(2, 3, 30), shardReport(0, 3, 10), shardReport(1, 3, 20)], { sources: ['c.json', 'a.json', 'b.json'] });
    expect(merged.total).toBe(60);
    expect(merged.iterations).toBe(60);
    expect(merged.latency.count).toBe(60);
    expect(merged.steps['me']!.total).toBe(60);
    expect(merged.shards!.map((row) => [row.shard, row.source, row.total])).toEqual([
      [0, 'a.json', 10],
      [1, 'b.json', 20],
      [2, 'c.json', 30],
    ]);
    expect(merged.run_id).toBe('r1');
    expect(merged.config_hash).toBe('sha256:aa');
    expect(merged.partial).toBeUndefined();
    // The median of the union (shard 1's ~110-120 ms range) is not any shard's own median.
    expect(merged.thresholds).toHaveLength(1);
    expect(merged.thresholds[0]!.ok).toBe(true);
    expect(merged.latency.p50).toBeGreaterThan(100);
    expect(merged.latency.p50).toBeLessThan(121);
  });

  it('refuses reports of different runs, configs or shard counts, and reports that are not shard reports', () => {
    expect(() => mergeShardReports([shardReport(0, 2, 1), shardReport(1, 2, 1, { run_id: 'r2' })], { sources: ['a.json', 'b.json'] })).toThrow(
      expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_MISMATCH', message: expect.stringMatching(/different runs: run ids "r1" \(a.json\) vs "r2" \(b.json\)/) }),
    );
    expect(() => mergeShardReports([shardReport(0, 2, 1), shardReport(1, 2, 1, { config_hash: 'sha256:bb' })])).toThrow(
      expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_MISMATCH', message: expect.stringMatching(/different configs/) }),
    );
    expect(() => mergeShardReports([shardReport(0, 2, 1), shardReport(1, 3, 1)])).toThrow(expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_MISMATCH' }));
    expect(() => mergeShardReports([shardReport(0, 2, 1), shardReport(1, 2, 1)], { expectShards: 3 })).toThrow(/expected 3 shards/);
    const { shard: _shard, ...plain } = shardReport(0, 1, 1);
    expect(() => mergeShardReports([plain as RunReport], { sources: ['run.json'] })).toThrow(
      expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_NOT_SHARD', message: expect.stringMatching(/^run.json is not a shard's report/) }),
    );
  });

  it('refuses a shard given twice, and a missing shard unless allowed, when the merged report says partial', () => {
    expect(() => mergeShardReports([shardReport(0, 2, 1), shardReport(0, 2, 1)], { sources: ['a.json', 'b.json'] })).toThrow(
      expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_DUPLICATE', message: expect.stringMatching(/shard 0\/2 is given twice: a.json and b.json/) }),
    );
    const parts = [shardReport(0, 4, 5), shardReport(3, 4, 7)];
    expect(() => mergeShardReports(parts)).toThrow(
      expect.objectContaining({ code: 'SE_ERR_RUNNER_SHARD_MISSING', message: expect.stringMatching(/shards 1-2 of 4 missing \(have 0, 3\).*--allow-partial/) }),
    );
    const merged = mergeShardReports(parts, { allowPartial: true });
    expect(merged.total).toBe(12);
    expect(merged.partial).toBe('shards 1-2 of 4 missing');
    const crashed = mergeShardReports([shardReport(0, 1, 1, { partial: 'thread 1 crashed: boom' })]);
    expect(crashed.partial).toBe('shard 0: thread 1 crashed: boom');
  });
});
