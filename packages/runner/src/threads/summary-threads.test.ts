import { Metrics } from '@session-engine/metrics';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../report.js';
import { formatSummary } from '../summary.js';
import { mergeLive, mergeTimelineEntries } from './live.js';
import { testReport } from '../../test/report-fixture.js';

function report(extra: Partial<RunReport> = {}): RunReport {
  const base = testReport();
  return { ...base, ...extra };
}

const row = (thread: number, total: number, ended: 'finished' | 'crashed'): NonNullable<RunReport['threads']>[number] => ({
  thread,
  sessions: 2,
  first_session: thread * 2 + 1,
  iterations: total,
  total,
  success: total,
  failed: 0,
  dropped: 0,
  reason: 'duration',
  ended,
});

describe('the summary of a run across threads', () => {
  it('lists each thread and puts a partial run first', () => {
    const text = formatSummary(report({ threads: [row(0, 1234, 'finished'), row(1, 56, 'crashed')], partial: 'thread 1 crashed: boom' }));
    expect(text).toMatch(/threads {5}2: #0 1,234 req {3}#1 56 req \(crashed\)/);
    expect(text.split('\n')[2]).toBe('  PARTIAL     thread 1 crashed: boom');
  });

  it('has no threads line for a run in one thread', () => {
    expect(formatSummary(report())).not.toMatch(/threads|PARTIAL/);
  });
});

describe('live merging', () => {
  it('merges the latest snapshot of each thread exactly', () => {
    const a = new Metrics();
    const b = new Metrics();
    for (let i = 1; i <= 100; i++) a.recordSuccess(200, i * 1000);
    for (let i = 1; i <= 50; i++) b.recordFailure('timeout', 500_000);
    const live = (metrics: Metrics, iterations: number) =>
      ({ phase: 'load', elapsed_ms: 1000, planned_ms: 5000, iterations, planned_iterations: 0, state: 'running', metrics: metrics.snapshot() }) as const;
    const merged = mergeLive([live(a, 100), live(b, 50)], 0);
    expect(merged).toMatchObject({ iterations: 150, planned_ms: 5000, state: 'running' });
    expect(merged.metrics).toMatchObject({ total: 150, success: 100, failed: 50 });
    expect(merged.metrics.latency.max).toBeCloseTo(500, 0);
  });

  it('merges timeline entries of one interval by their histograms', () => {
    const a = new Metrics();
    const b = new Metrics();
    a.recordSuccess(200, 10_000);
    b.recordSuccess(200, 30_000);
    const entry = (metrics: Metrics) => {
      const interval = metrics.takeInterval();
      return { t: 2, requests: interval.total, failed: 0, rps: 1, latency: { p50: 0, p95: 0, p99: 0, max: 0 }, active_sessions: 1, iterations: 1, hdr: interval.histogram };
    };
    const merged = mergeTimelineEntries([entry(a), entry(b)]);
    expect(merged).toMatchObject({ t: 2, requests: 2, rps: 2, active_sessions: 2, iterations: 2 });
    expect(merged.latency.max).toBeCloseTo(30, 0);
    expect(merged.latency.p50).toBeCloseTo(10, 0);
  });
});
