/** Checks and thresholds in the report, the merge and the summary. */
import { describe, expect, it } from 'vitest';
import { Metrics } from '@session-engine/metrics';
import { mergeReports } from './merge-reports.js';
import type { RunReport, StopReason } from './report.js';
import { formatSummary } from './summary.js';
import { compileThresholds, evaluateThresholds, sourceOfReport } from './thresholds.js';
import { testReport } from '../test/report-fixture.js';

const THRESHOLDS = ['p(90)<50ms', 'error_rate<=10%', 'checks>=90%', 'rps>1'].map((threshold) => ({ threshold, abort_on_fail: false, delay: 0 }));

/** A 1 s report of `latencies` (ms) and checks; the config carries THRESHOLDS, evaluated like run() does. */
function part(latencies: number[], checks: [string, boolean][], reason: StopReason = 'duration'): RunReport {
  const metrics = new Metrics();
  for (const ms of latencies) metrics.recordSuccess(200, ms * 1000, 0, 'login');
  for (const [name, ok] of checks) metrics.recordCheck(name, ok);
  const report = testReport({ engine: 't', reason, target: 'x', iterations: latencies.length, snapshot: metrics.snapshot(), config: { thresholds: THRESHOLDS } });
  report.thresholds = evaluateThresholds(compileThresholds(THRESHOLDS), sourceOfReport(report));
  return report;
}

describe('report checks and thresholds', () => {
  it('buildReport carries the snapshot checks and the given thresholds ([] by default)', () => {
    const report = part([10], [['login.ok', true]]);
    expect(report.checks).toEqual({ 'login.ok': { passes: 1, fails: 0 } });
    expect(report.thresholds.map((row) => row.expr)).toEqual(['p(90)<50ms', 'error_rate<=10%', 'checks>=90%', 'rps>1']);
  });

  it('mergeReports adds checks and evaluates the thresholds again on the merged figures', () => {
    // Each part holds its p(90) < 50 ms; their union does not (a percentile of the union is not one of the parts').
    const fast = part([...Array(85).fill(10), ...Array(15).fill(100)], [['login.ok', true], ['login.ok', true]]);
    const slow = part([...Array(95).fill(10), ...Array(5).fill(100)], [['login.ok', false], ['other', true]]);
    expect(fast.thresholds[0]!.ok).toBe(false);
    const a = part(Array(90).fill(10).concat(Array(10).fill(100)), [['login.ok', true]]);
    const b = part(Array(89).fill(10).concat(Array(11).fill(100)), [['login.ok', true]]);
    expect([a.thresholds[0]!.ok, b.thresholds[0]!.ok]).toEqual([true, false]);
    const merged = mergeReports([a, b]);
    expect(merged.thresholds[0]).toEqual({ expr: 'p(90)<50ms', value: 100.031, ok: false });
    const checks = mergeReports([fast, slow]);
    expect(checks.checks).toEqual({ 'login.ok': { passes: 2, fails: 1 }, other: { passes: 1, fails: 0 } });
    expect(checks.thresholds[2]).toEqual({ expr: 'checks>=90%', value: 0.75, ok: false });
  });

  it('a threshold that stopped a part stays crossed in the merge, and the merged reason is threshold', () => {
    const stopped = part([10], [['login.ok', true]], 'threshold');
    stopped.thresholds[0] = { expr: 'p(90)<50ms', value: 120, ok: false };
    const merged = mergeReports([stopped, part([10], [], 'duration')]);
    expect(merged.reason).toBe('threshold');
    expect(merged.thresholds[0]).toEqual({ expr: 'p(90)<50ms', value: 120, ok: false });
    expect(merged.thresholds[1]!.ok).toBe(true);
  });

  it('merges reports from before checks and thresholds', () => {
    const old = part([10], []) as Partial<RunReport>;
    delete old.checks;
    delete old.thresholds;
    old.config = {};
    const merged = mergeReports([old as RunReport]);
    expect(merged.checks).toEqual({});
    expect(merged.thresholds).toEqual([]);
  });

  it('the summary lists checks with their pass rate and each threshold with its value and a mark', () => {
    const report = part([10, 20, 30], [['login.ok', true], ['login.ok', false], ['login.body', true]]);
    report.thresholds.push({ expr: 'p(99){step:login}<1s', value: null, ok: false });
    const text = formatSummary(report);
    expect(text).toMatch(/^ {2}checks\n {4}check\s+passes\s+fails\s+passed\n {4}login\.body\s+1\s+0\s+100\.0%\n {4}login\.ok\s+1\s+1\s+50\.0%$/m);
    expect(text).toContain('  thresholds  3 of 5 passed, 2 crossed');
    expect(text).toMatch(/ {4}✓ p\(90\)<50ms\s+30\.\d\d ms$/m);
    expect(text).toMatch(/ {4}✓ error_rate<=10%\s+0%$/m);
    expect(text).toMatch(/ {4}✗ checks>=90%\s+66\.667%\s+crossed$/m);
    expect(text).toMatch(/ {4}✓ rps>1\s+3\.0 req\/s$/m);
    expect(text).toMatch(/ {4}✗ p\(99\)\{step:login\}<1s\s+no data\s+crossed$/m);
    expect(formatSummary(part([10], [], 'threshold'))).toMatch(/stopped by a threshold/);
    // No checks, no thresholds: no sections.
    const plain = formatSummary({ ...report, checks: {}, thresholds: [] });
    expect(plain).not.toMatch(/checks|thresholds/);
  });
});
