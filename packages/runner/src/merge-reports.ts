/**
 * Merges reports of runs that went side by side (worker threads, shards on
 * several machines) into the report one process would have written for the
 * union of the work: counts add, histograms are decoded and added bucket by
 * bucket (every percentile is recomputed from the merged histogram, never
 * averaged), timelines merge by `t`, status codes, errors and failure reasons
 * add up.
 */
import type { ThresholdConfig } from '@session-engine/config';
import { addChecks, checkRecord, LatencyHistogram, type CheckCounts } from '@session-engine/metrics';
import { ReportFormatError } from './errors.js';
import { FailureReasons } from './failure-reasons.js';
import { latencyReport, orderSteps, sortedReasons, type LatencyReport, type RunReport, type StepReport, type StopReason, type WarmupReport } from './report.js';
import { mergeSessionState } from './session-state.js';
import { compileThresholds, evaluateThresholds, sourceOfReport, type ThresholdResult } from './thresholds.js';
import { round, type TimelineEntry } from './timeline.js';
import type { ProxyReport } from '@session-engine/proxy';
import { addProxyRow } from './proxy-rows.js';

// When the parts ended differently, the merged run ended the way that explains the most.
const REASON_PRIORITY: readonly StopReason[] = ['forced', 'signal', 'aborted', 'threshold', 'stopped', 'duration', 'iterations'];

const COUNTS = [
  'total',
  'success',
  'failed',
  'retries',
  'dropped',
  'iterations',
  'failed_iterations',
  'interrupted_iterations',
  'bytes_received',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(where: string, what: string): never {
  throw new ReportFormatError(`${where} ${what}; pass reports written by engine run --json / --out (or run()) of this version`);
}

function decode(where: string, latency: unknown): LatencyHistogram {
  if (!isRecord(latency) || typeof latency['hdr'] !== 'string') fail(`${where}.hdr`, 'is missing (reports before the latency.hdr field cannot be merged exactly)');
  try {
    return LatencyHistogram.decode(latency['hdr'] as string);
  } catch (cause) {
    throw new ReportFormatError(`${where}.hdr is not an encoded HDR histogram`, { cause });
  }
}

function addInto(target: Record<string, number>, source: unknown, where: string): void {
  if (!isRecord(source)) fail(where, 'is not an object');
  for (const [key, value] of Object.entries(source)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${key}`, 'is not a number');
    target[key] = (target[key] ?? 0) + (value as number);
  }
}

function checkReport(report: unknown, i: number): RunReport {
  const where = `reports[${i}]`;
  if (!isRecord(report)) fail(where, 'is not an object');
  for (const field of COUNTS) {
    const value = report[field] ?? (field === 'interrupted_iterations' ? 0 : undefined);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${field}`, 'is not a number');
  }
  for (const field of ['started_at', 'finished_at'] as const) {
    if (typeof report[field] !== 'string' || Number.isNaN(Date.parse(report[field] as string))) fail(`${where}.${field}`, 'is not a date');
  }
  if (!isRecord(report['steps'])) fail(`${where}.steps`, 'is not an object');
  if (report['timeline'] !== undefined && !Array.isArray(report['timeline'])) fail(`${where}.timeline`, 'is not a list');
  // Reports from before checks and thresholds have neither.
  const checks = report['checks'];
  if (checks !== undefined) {
    if (!isRecord(checks)) fail(`${where}.checks`, 'is not an object');
    for (const [name, counts] of Object.entries(checks)) {
      if (!isRecord(counts) || typeof counts['passes'] !== 'number' || typeof counts['fails'] !== 'number') fail(`${where}.checks.${name}`, 'is not { passes, fails }');
    }
  }
  if (report['thresholds'] !== undefined && !Array.isArray(report['thresholds'])) fail(`${where}.thresholds`, 'is not a list');
  return report as unknown as RunReport;
}

interface StepAccumulator {
  total: number;
  success: number;
  failed: number;
  histogram: LatencyHistogram;
}

interface EntryAccumulator {
  t: number;
  requests: number;
  failed: number;
  rps: number;
  active_sessions: number;
  iterations: number;
  histogram: LatencyHistogram;
}

function merged(histogram: LatencyHistogram): LatencyReport {
  return latencyReport(histogram.summary(), histogram.encode());
}

export function mergeReports(reports: readonly RunReport[]): RunReport {
  if (!Array.isArray(reports) || reports.length === 0) {
    throw new ReportFormatError('mergeReports needs at least one report');
  }
  const checked = reports.map(checkReport);
  const first = checked[0]!;

  let startedMs = Number.POSITIVE_INFINITY;
  let finishedMs = Number.NEGATIVE_INFINITY;
  // Side by side, the parts waited for the slowest start-up: the max, not the sum.
  let startup = 0;
  const totals = Object.fromEntries(COUNTS.map((field) => [field, 0])) as Record<(typeof COUNTS)[number], number>;
  const statusCodes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const droppedByCause: RunReport['dropped_by_cause'] = { no_idle_session: 0, pool_full: 0 };
  const reasons = new FailureReasons();
  const sessions = { configured: 0, created: 0, failed_to_create: 0 };
  // Parts warm up side by side: counts add, the duration is the longest.
  let warmup: WarmupReport | undefined;
  const latency = LatencyHistogram.create();
  const steps = new Map<string, StepAccumulator>();
  const stepOrder: string[] = [];
  const timeline = new Map<number, EntryAccumulator>();
  const checks = new Map<string, CheckCounts>();
  const proxies = new Map<string, ProxyReport>();
  // Thresholds that stopped a part (reason threshold, crossed there) stay crossed in the merge.
  const stoppedBy = new Map<string, number | null>();

  checked.forEach((report, i) => {
    const where = `reports[${i}]`;
    startedMs = Math.min(startedMs, Date.parse(report.started_at));
    finishedMs = Math.max(finishedMs, Date.parse(report.finished_at));
    const partStartup: unknown = (report as Partial<RunReport>).startup ?? 0; // reports from before the field: 0
    if (typeof partStartup !== 'number' || !Number.isFinite(partStartup)) fail(`${where}.startup`, 'is not a number');
    startup = Math.max(startup, partStartup);
    for (const field of COUNTS) totals[field] += report[field] ?? 0;
    // Reports from before the causes: their drops had one cause, no idle session.
    addInto(droppedByCause, report.dropped_by_cause ?? { no_idle_session: report.dropped, pool_full: 0 }, `${where}.dropped_by_cause`);
    addInto(statusCodes, report.status_codes, `${where}.status_codes`);
    addInto(errors, report.errors, `${where}.errors`);
    const failureReasons: Record<string, number> = {};
    addInto(failureReasons, report.failure_reasons ?? {}, `${where}.failure_reasons`);
    for (const [reason, n] of Object.entries(failureReasons)) reasons.add(reason, n);
    addInto(sessions, report.sessions, `${where}.sessions`);
    if (report.warmup !== undefined) {
      const part: Record<string, number> = {};
      addInto(part, report.warmup, `${where}.warmup`);
      warmup ??= { duration: 0, iterations: 0, requests: 0, failed: 0, dropped: 0 };
      warmup.duration = Math.max(warmup.duration, part['duration'] ?? 0);
      for (const key of ['iterations', 'requests', 'failed', 'dropped'] as const) warmup[key] += part[key] ?? 0;
    }
    latency.add(decode(`${where}.latency`, report.latency));
    addChecks(checks, report.checks ?? {});
    mergeProxies(proxies, report.proxies ?? [], `${where}.proxies`);
    if (report.reason === 'threshold') for (const row of report.thresholds ?? []) if (!row.ok) stoppedBy.set(row.expr, row.value);
    for (const [name, step] of Object.entries(report.steps)) {
      let into = steps.get(name);
      if (into === undefined) {
        into = { total: 0, success: 0, failed: 0, histogram: LatencyHistogram.create() };
        steps.set(name, into);
        stepOrder.push(name);
      }
      into.total += step.total;
      into.success += step.success;
      into.failed += step.failed;
      into.histogram.add(decode(`${where}.steps.${name}.latency`, step.latency));
    }
    (report.timeline ?? []).forEach((entry: TimelineEntry, k) => {
      const at = `${where}.timeline[${k}]`;
      if (!isRecord(entry) || typeof entry.t !== 'number') fail(at, 'is not a timeline entry');
      let into = timeline.get(entry.t);
      if (into === undefined) {
        into = { t: entry.t, requests: 0, failed: 0, rps: 0, active_sessions: 0, iterations: 0, histogram: LatencyHistogram.create() };
        timeline.set(entry.t, into);
      }
      into.requests += entry.requests;
      into.failed += entry.failed;
      into.rps += entry.rps; // side by side: rates add
      into.active_sessions += entry.active_sessions;
      into.iterations += entry.iterations;
      into.histogram.add(decode(at, { hdr: entry.hdr }));
    });
  });

  const stepReports: Record<string, StepReport> = {};
  for (const [name, step] of orderSteps(Object.fromEntries(steps), stepOrder)) {
    stepReports[name] = { total: step.total, success: step.success, failed: step.failed, latency: merged(step.histogram) };
  }
  const entries: TimelineEntry[] = [...timeline.values()]
    .sort((a, b) => a.t - b.t)
    .map((entry) => {
      const summary = entry.histogram.summary();
      return {
        t: entry.t,
        requests: entry.requests,
        failed: entry.failed,
        rps: round(entry.rps, 1),
        latency: { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) },
        active_sessions: entry.active_sessions,
        iterations: entry.iterations,
        // Timeline histograms are kept at 2 significant digits (see Metrics.takeInterval): the same string one run writes.
        hdr: entry.histogram.encode(2),
      };
    });
  const seconds = Math.max(0, (finishedMs - startedMs) / 1000);
  const reasonSet = new Set(checked.map((report) => report.reason));
  const reason = reasonSet.size === 1 ? first.reason : (REASON_PRIORITY.find((r) => reasonSet.has(r)) ?? first.reason);

  const mergedReport = {
    engine: first.engine,
    started_at: new Date(startedMs).toISOString(),
    finished_at: new Date(finishedMs).toISOString(),
    duration: round(seconds),
    startup: round(startup),
    ...(warmup === undefined ? {} : { warmup }),
    reason,
    model: first.model,
    target: first.target,
    ...totals,
    dropped_by_cause: droppedByCause,
    rps: round(seconds > 0 ? totals.total / seconds : 0, 1),
    latency: merged(latency),
    status_codes: statusCodes,
    errors,
    failure_reasons: sortedReasons(reasons.counts),
    sessions,
    steps: stepReports,
    checks: checkRecord(checks),
    thresholds: [] as ThresholdResult[],
    session_state: mergeSessionState(checked.map((report) => report.session_state ?? null)),
    timeline: entries,
    proxies: [...proxies.values()],
    config: first.config,
  } satisfies RunReport;
  mergedReport.thresholds = mergedThresholds(mergedReport, stoppedBy);
  return mergedReport;
}

/**
 * The thresholds of the first part's config, evaluated again on the merged
 * figures (a percentile of the union is not one of the parts'); one that
 * stopped a part stays crossed, at the value that crossed it there.
 */
function mergedThresholds(report: RunReport, stoppedBy: ReadonlyMap<string, number | null>): ThresholdResult[] {
  const configured = report.config['thresholds'];
  if (!Array.isArray(configured) || configured.length === 0) return [];
  let compiled;
  try {
    compiled = compileThresholds(configured as ThresholdConfig[]);
  } catch (cause) {
    throw new ReportFormatError(`reports[0].config.thresholds cannot be evaluated: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return evaluateThresholds(compiled, sourceOfReport(report)).map((row) =>
    stoppedBy.has(row.expr) ? { expr: row.expr, value: stoppedBy.get(row.expr) ?? null, ok: false } : row,
  );
}

/** Parts list the same proxies (one file): rows with the same proxy and line add up (`addProxyRow`). */
function mergeProxies(into: Map<string, ProxyReport>, rows: unknown, where: string): void {
  if (!Array.isArray(rows)) fail(where, 'is not a list');
  (rows as unknown[]).forEach((row, k) => {
    const at = `${where}[${k}]`;
    if (!isRecord(row) || typeof row['proxy'] !== 'string') fail(at, 'is not a proxy row');
    for (const field of ['line', 'requests', 'failed', 'failovers', 'unhealthy_ms'] as const) {
      if (typeof row[field] !== 'number') fail(`${at}.${field}`, 'is not a number');
    }
    addProxyRow(into, row as unknown as ProxyReport);
  });
}
