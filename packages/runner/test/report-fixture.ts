/**
 * A report built from the least input `buildReport()` takes (one session, no
 * requests, a 1 s run from the epoch), with whatever a test overrides: the
 * one fixture the report, summary and threshold tests build on.
 */
import { Metrics } from '@session-engine/metrics';
import { buildReport, type ReportInput, type RunReport } from '../src/report.js';

export function testReport(overrides: Partial<ReportInput> = {}): RunReport {
  return buildReport({
    engine: '1',
    startedAt: new Date(0),
    finishedAt: new Date(1_000),
    reason: 'duration',
    model: 'closed',
    target: 'http://t',
    iterations: 0,
    failedIterations: 0,
    interruptedIterations: 0,
    snapshot: new Metrics().snapshot(),
    sessions: { configured: 1, created: 1, failed_to_create: 0 },
    failureReasons: new Map(),
    timeline: [],
    config: {},
    ...overrides,
  });
}
