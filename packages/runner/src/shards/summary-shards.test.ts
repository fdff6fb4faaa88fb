import { describe, expect, it } from 'vitest';
import type { RunReport } from '../report.js';
import { formatSummary } from '../summary.js';
import { testReport } from '../../test/report-fixture.js';

function report(extra: Partial<RunReport> = {}): RunReport {
  const base = testReport({ startedAt: new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 40)), finishedAt: new Date(Date.UTC(2026, 10, 28, 12, 0, 1)) });
  return { ...base, ...extra };
}

describe('the summary of shards', () => {
  it("says which shard a shard's report is, and how long after start_at it started", () => {
    const text = formatSummary(report({ shard: { index: 1, count: 3 }, run_id: 'r1', start_at: '2026-11-28T12:00:00.000Z', config_hash: 'sha256:aa' }));
    expect(text).toMatch(/^ {2}shard {7}1\/3 \(0-based\) {3}run r1 {3}started 40 ms after start_at$/m);
  });

  it("lists each shard's requests in a merged report, and none of it for a plain run", () => {
    const row = (shard: number, total: number) => ({ shard, started_at: '', sessions: 1, iterations: total, total, success: total, failed: 0, dropped: 0, reason: 'duration' as const });
    const text = formatSummary(report({ run_id: 'r1', config_hash: 'sha256:aa', shards: [row(0, 1234), row(2, 7)], partial: 'shard 1 of 3 missing' }));
    expect(text).toMatch(/^ {2}shards {6}2 merged {3}run r1: #0 1,234 req {3}#2 7 req$/m);
    expect(text).toMatch(/^ {2}PARTIAL {5}shard 1 of 3 missing$/m);
    expect(formatSummary(report())).not.toMatch(/shard/);
  });
});
