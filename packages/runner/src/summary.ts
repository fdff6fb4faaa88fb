/** Renders a RunReport as the human summary printed at the end of a run. */
import { parseThreshold, thresholdMetricKind, type ThresholdMetric } from '@session-engine/config';
import type { RunReport, StopReason, WarmupReport } from './report.js';
import { describeSessionState } from './session-state.js';
import type { ThresholdResult } from './thresholds.js';
import { describeShards } from './shards/summary-shards.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${decimal.format(ms / 1000)} s`;
  if (ms >= 100) return `${integer.format(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (part / whole) * 100;
  return `${p < 0.1 && p > 0 ? p.toFixed(3) : p.toFixed(1)}%`;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return 'none';
  return entries.map(([key, n]) => `${key}: ${integer.format(n)}`).join('   ');
}

const DROP_CAUSE_LABELS: Record<string, string> = { no_idle_session: 'no idle session', pool_full: 'pool queue full' };

/** ` (no idle session 10, pool queue full 2)`: the causes with drops, when there are drops. */
function dropCauses(report: RunReport): string {
  const causes = Object.entries(report.dropped_by_cause ?? {}).filter(([, n]) => n > 0);
  if (causes.length === 0) return '';
  return ` (${causes.map(([cause, n]) => `${DROP_CAUSE_LABELS[cause] ?? cause} ${integer.format(n)}`).join(', ')})`;
}

const label = (name: string): string => `  ${name.padEnd(12)}`;

/** `2: #0 1,234 req (finished)   #1 1,230 req (crashed)`; undefined for a run in one thread. */
function describeThreads(rows: RunReport['threads']): string | undefined {
  if (rows === undefined || rows.length === 0) return undefined;
  return `${rows.length}: ${rows.map((row) => `#${row.thread} ${integer.format(row.total)} req${row.ended === 'finished' ? '' : ` (${row.ended})`}`).join('   ')}`;
}

/** `3 listed   circuits at the end: 2 closed, 1 open   failovers 2   connection failures 3`; undefined without proxies. */
function describeProxies(rows: readonly { circuit: string; failovers: number; failed: number }[]): string | undefined {
  if (rows.length === 0) return undefined;
  const states = new Map<string, number>();
  for (const row of rows) states.set(row.circuit, (states.get(row.circuit) ?? 0) + 1);
  const circuits = ['closed', 'half_open', 'open', 'removed']
    .filter((state) => states.has(state))
    .map((state) => `${integer.format(states.get(state)!)} ${state.replace('_', '-')}`)
    .join(', ');
  const sum = (field: 'failovers' | 'failed'): string => integer.format(rows.reduce((total, row) => total + row[field], 0));
  return `${integer.format(rows.length)}: ${circuits} at the end   failovers ${sum('failovers')}   connection failures ${sum('failed')}`;
}

const STOPPED: Record<StopReason, string> = {
  duration: 'stopped by duration',
  iterations: 'stopped after its iterations',
  stopped: 'stopped',
  signal: 'stopped by signal',
  aborted: 'stopped by its caller',
  forced: 'forced stop: in-flight work not waited for',
  threshold: 'stopped by a threshold',
};

/** A threshold's measured value in its metric's unit: `13.34 ms`, `0.42%`, `1,024.5 req/s`, `12`. */
export function thresholdValue(row: ThresholdResult): string {
  if (row.value === null) return 'no data';
  let metric: ThresholdMetric;
  try {
    metric = parseThreshold(row.expr).metric;
  } catch {
    return String(row.value); // a hand-edited report: show the number as it is
  }
  const kind = thresholdMetricKind(metric);
  if (kind === 'latency') return formatMs(row.value);
  if (kind === 'rate') return `${Number((row.value * 100).toFixed(3))}%`;
  if (metric === 'rps') return `${decimal.format(row.value)} req/s`;
  return integer.format(row.value);
}

function thresholdLines(rows: readonly ThresholdResult[]): string[] {
  if (rows.length === 0) return [];
  const passed = rows.filter((row) => row.ok).length;
  const width = Math.max(...rows.map((row) => row.expr.length));
  return [
    `${label('thresholds')}${passed} of ${rows.length} passed${passed < rows.length ? `, ${rows.length - passed} crossed` : ''}`,
    ...rows.map((row) => `    ${row.ok ? '✓' : '✗'} ${row.expr.padEnd(width)}  ${thresholdValue(row)}${row.ok ? '' : '  crossed'}`),
  ];
}

function checkLines(checks: RunReport['checks'] | undefined): string[] {
  const entries = Object.entries(checks ?? {});
  if (entries.length === 0) return [];
  const width = Math.max(5, ...entries.map(([name]) => name.length));
  const lines = [`${label('checks')}`, `    ${'check'.padEnd(width)}  ${'passes'.padStart(9)}  ${'fails'.padStart(9)}  ${'passed'.padStart(7)}`];
  for (const [name, { passes, fails }] of entries) {
    lines.push(`    ${name.padEnd(width)}  ${integer.format(passes).padStart(9)}  ${integer.format(fails).padStart(9)}  ${percent(passes, passes + fails).padStart(7)}`);
  }
  return lines;
}

/** The warm-up line: what ran before the window, so nobody adds it to the figures above or looks for it there. */
function describeWarmup(warmup: WarmupReport): string {
  const notes = [`${integer.format(warmup.failed)} failed`];
  if (warmup.dropped > 0) notes.push(`${integer.format(warmup.dropped)} dropped`);
  return `${decimal.format(warmup.duration)} s before the window (part of startup): ${integer.format(warmup.requests)} requests (${notes.join(', ')}), counted in no other figure`;
}

/** " (5 pre-connected, 1 failed to start)": pre-connected only when the report has it (older ones do not). */
function sessionNotes(sessions: RunReport['sessions']): string {
  const notes: string[] = [];
  if (sessions.preconnected !== undefined) notes.push(`${integer.format(sessions.preconnected)} pre-connected`);
  if (sessions.failed_to_create > 0) notes.push(`${sessions.failed_to_create} failed to start`);
  return notes.length === 0 ? '' : ` (${notes.join(', ')})`;
}

export function formatSummary(report: RunReport): string {
  const lines: string[] = [];
  const { latency } = report;
  const extra = (n: number, what: string): string => (n > 0 ? `, ${integer.format(n)} ${what}` : '');
  const iterationNotes = extra(report.failed_iterations, 'failed') + extra(report.interrupted_iterations ?? 0, 'interrupted');
  lines.push('');
  lines.push(`session-engine run summary (${report.model} model, ${STOPPED[report.reason] ?? report.reason})`);
  // First, so nobody reads the figures below as the whole run.
  if (report.partial !== undefined) lines.push(`${label('PARTIAL')}${report.partial}`);
  lines.push(`${label('target')}${report.target}`);
  lines.push(
    `${label('duration')}${decimal.format(report.duration)} s` +
      // Startup (session creation, ...) came before the load window; reports from before the field have none.
      ((report.startup ?? 0) > 0 ? `   startup ${decimal.format(report.startup)} s` : '') +
      `   sessions ${integer.format(report.sessions.created)}${sessionNotes(report.sessions)}` +
      `   iterations ${integer.format(report.iterations)}` +
      (iterationNotes === '' ? '' : ` (${iterationNotes.slice(2)})`),
  );
  if (report.warmup !== undefined) lines.push(`${label('warm-up')}${describeWarmup(report.warmup)}`);
  lines.push(
    `${label('requests')}${integer.format(report.total)} total   ${integer.format(report.success)} ok   ` +
      `${integer.format(report.failed)} failed (${percent(report.failed, report.total)})   ` +
      `retries ${integer.format(report.retries)}` +
      (report.model === 'open' ? `   dropped ${integer.format(report.dropped)}${dropCauses(report)}` : ''),
  );
  lines.push(`${label('throughput')}${decimal.format(report.rps)} req/s   received ${formatBytes(report.bytes_received)}`);
  const threadLine = describeThreads(report.threads);
  if (threadLine !== undefined) lines.push(`${label('threads')}${threadLine}`);
  const shardLine = describeShards(report);
  if (shardLine !== undefined) lines.push(`${label(shardLine[0])}${shardLine[1]}`);
  lines.push(
    latency.count === 0
      ? `${label('latency')}no completed requests`
      : `${label('latency')}min ${formatMs(latency.min)}   mean ${formatMs(latency.mean)}   p50 ${formatMs(latency.p50)}   ` +
          `p90 ${formatMs(latency.p90)}   p95 ${formatMs(latency.p95)}   p99 ${formatMs(latency.p99)}   ` +
          `p99.9 ${formatMs(latency.p999)}   max ${formatMs(latency.max)}`,
  );
  lines.push(`${label('status')}${counts(report.status_codes)}`);
  lines.push(`${label('errors')}${counts(report.errors)}`);
  const proxyLine = describeProxies(report.proxies ?? []);
  if (proxyLine !== undefined) lines.push(`${label('proxies')}${proxyLine}`);
  const reasons = Object.entries(report.failure_reasons);
  if (reasons.length > 0) {
    lines.push(`${label('failures')}`);
    for (const [reason, n] of reasons.slice(0, 10)) lines.push(`    ${integer.format(n).padStart(8)} x ${reason}`);
    if (reasons.length > 10) lines.push(`    ... ${reasons.length - 10} more kinds (see --json)`);
  }
  const steps = Object.entries(report.steps);
  if (steps.length > 0) {
    const width = Math.max(4, ...steps.map(([name]) => name.length));
    const cells = ['p50', 'p95', 'p99'] as const;
    lines.push(`${label('steps')}`);
    lines.push(`    ${'step'.padEnd(width)}  ${'requests'.padStart(9)}  ${'failed'.padStart(7)}  ${cells.map((c) => c.padStart(9)).join('  ')}`);
    for (const [name, step] of steps) {
      lines.push(
        `    ${name.padEnd(width)}  ${integer.format(step.total).padStart(9)}  ${integer.format(step.failed).padStart(7)}  ` +
          cells.map((c) => formatMs(step.latency[c]).padStart(9)).join('  '),
      );
    }
  }
  lines.push(...checkLines(report.checks));
  lines.push(...thresholdLines(report.thresholds ?? []));
  if (report.session_state) lines.push(`${label('state')}${describeSessionState(report.session_state)}`);
  lines.push('');
  return lines.map((line) => line.trimEnd()).join('\n');
}
