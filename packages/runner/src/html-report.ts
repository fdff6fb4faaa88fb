/**
 * Renders a RunReport as one self-contained HTML page: styles, the chart
 * library (uPlot, read from node_modules at render time) and the data are
 * inlined, and a Content-Security-Policy of `default-src 'none'` makes the
 * browser refuse any request the page might still try, so the file works
 * offline, attached to a CI run or mailed.
 *
 * Tables and headline are rendered here as escaped HTML (readable without
 * script); only the timeline charts need JavaScript, and that script only
 * hands uPlot its options and the data.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RunReport, StepReport } from './report.js';
import { formatBytes, formatMs, thresholdValue } from './summary.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

// Keyed by string: reports of other versions may carry reasons this one does not know.
const STOPPED: Readonly<Record<string, string>> = {
  duration: 'stopped by duration',
  iterations: 'stopped after its iterations',
  stopped: 'stopped',
  signal: 'stopped by signal',
  aborted: 'stopped by its caller',
  forced: 'forced stop: in-flight work not waited for',
  threshold: 'stopped by a threshold',
};

/** A threshold as evaluated on the final report (`thresholds` in reports that have them). */
interface ThresholdRow {
  expr: string;
  value: number | null;
  ok: boolean;
}

/** Check counts by `<step>.<name>` (`checks` in reports that have them). */
interface CheckRow {
  name: string;
  passes: number;
  fails: number;
}

let chartAssets: { script: string; style: string } | undefined;

/** uPlot's minified IIFE build and stylesheet, read once per process. */
function uplotAssets(): { script: string; style: string } {
  if (chartAssets === undefined) {
    const require = createRequire(import.meta.url);
    chartAssets = {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return chartAssets;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside a `<script>` element: `<`, `>` and `&` can only occur
 * inside JSON strings, where their \u escapes mean the same, so a `</script>`
 * or `<!--` in a step name or a config value cannot end the element.
 * U+2028/2029 are escaped too, for parsers that read it as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Inlined library text: a `</script` or `</style` inside it would end the element early. */
function inlineSafe(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (part / whole) * 100;
  return `${p < 0.1 && p > 0 ? p.toFixed(3) : p.toFixed(1)}%`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** `thresholds` of the report, if it has any: optional, and read defensively (reports of other versions). */
function thresholdsOf(report: RunReport): ThresholdRow[] {
  const raw = (report as unknown as Record<string, unknown>)['thresholds'];
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((t) => ({
    expr: String(t['expr'] ?? t['threshold'] ?? '?'),
    value: isCount(t['value']) ? t['value'] : null,
    ok: t['ok'] === true,
  }));
}

function checksOf(report: RunReport): CheckRow[] {
  const raw = (report as unknown as Record<string, unknown>)['checks'];
  if (!isRecord(raw)) return [];
  return Object.entries(raw)
    .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
    .map(([name, c]) => ({ name, passes: isCount(c['passes']) ? c['passes'] : 0, fails: isCount(c['fails']) ? c['fails'] : 0 }));
}

interface Tile {
  label: string;
  /** The report field the value comes from (tests compare it with the report). */
  metric: string;
  value: number;
  text: string;
  note?: string;
  tone?: 'good' | 'bad';
}

/** "startup 3.1 s (warm-up 2 s: 40,000 requests, 0 failed)": the warm-up's figures are in no other tile. */
function durationNote(report: RunReport): string {
  const warmup = report.warmup;
  const startup = `startup ${decimal.format(report.startup ?? 0)} s`;
  if (warmup === undefined) return startup;
  return `${startup} (warm-up ${decimal.format(warmup.duration)} s: ${integer.format(warmup.requests)} requests, ${integer.format(warmup.failed)} failed, not counted here)`;
}

/** Created sessions; the note says how many were pre-connected (reports from before the field have none) and failed to start. */
function sessionsTile(sessions: RunReport['sessions']): Tile {
  const notes: string[] = [];
  if (sessions.preconnected !== undefined) notes.push(`${integer.format(sessions.preconnected)} pre-connected`);
  if (sessions.failed_to_create > 0) notes.push(`${integer.format(sessions.failed_to_create)} failed to start`);
  return {
    label: 'sessions',
    metric: 'sessions.created',
    value: sessions.created,
    text: integer.format(sessions.created),
    ...(notes.length > 0 ? { note: notes.join(', ') } : {}),
    ...(sessions.failed_to_create > 0 ? { tone: 'bad' as const } : {}),
  };
}

function headlineTiles(report: RunReport, checks: CheckRow[]): Tile[] {
  const { latency } = report;
  const errorRate = report.total > 0 ? report.failed / report.total : 0;
  const tiles: Tile[] = [
    { label: 'requests', metric: 'total', value: report.total, text: integer.format(report.total) },
    { label: 'ok', metric: 'success', value: report.success, text: integer.format(report.success) },
    { label: 'failed', metric: 'failed', value: report.failed, text: integer.format(report.failed), ...(report.failed > 0 ? { tone: 'bad' as const } : {}) },
    { label: 'error rate', metric: 'error_rate', value: errorRate, text: percent(report.failed, report.total), ...(report.failed > 0 ? { tone: 'bad' as const } : {}) },
    { label: 'throughput', metric: 'rps', value: report.rps, text: `${decimal.format(report.rps)} req/s` },
    {
      label: 'duration',
      metric: 'duration',
      value: report.duration,
      text: `${decimal.format(report.duration)} s`,
      ...((report.startup ?? 0) > 0 ? { note: durationNote(report) } : {}),
    },
    sessionsTile(report.sessions),
    {
      label: 'iterations',
      metric: 'iterations',
      value: report.iterations,
      text: integer.format(report.iterations),
      ...(report.failed_iterations > 0 ? { note: `${integer.format(report.failed_iterations)} failed` } : {}),
    },
  ];
  if (latency.count > 0) {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      tiles.push({ label: `latency ${p}`, metric: `latency.${p}`, value: latency[p], text: formatMs(latency[p]) });
    }
  }
  // Reports of other versions may lack it, or hold null (no session_state).
  const state = (report as { session_state?: RunReport['session_state'] }).session_state;
  if (state) {
    const failed = !state.final_saved || state.errors > 0;
    tiles.push({
      label: 'session state',
      metric: 'session_state.restored',
      value: state.restored,
      text: `${integer.format(state.restored)} restored`,
      note: state.final_saved ? `${integer.format(state.saved)} saved${state.errors > 0 ? `, ${integer.format(state.errors)} save(s) failed` : ''}` : 'final save failed',
      ...(failed ? { tone: 'bad' as const } : {}),
    });
  }
  tiles.push({ label: 'received', metric: 'bytes_received', value: report.bytes_received, text: formatBytes(report.bytes_received) });
  tiles.push({ label: 'retries', metric: 'retries', value: report.retries, text: integer.format(report.retries) });
  if (report.model === 'open') {
    tiles.push({ label: 'dropped', metric: 'dropped', value: report.dropped, text: integer.format(report.dropped), ...(report.dropped > 0 ? { tone: 'bad' as const } : {}) });
  }
  if (checks.length > 0) {
    const passes = checks.reduce((sum, c) => sum + c.passes, 0);
    const all = passes + checks.reduce((sum, c) => sum + c.fails, 0);
    tiles.push({ label: 'checks passed', metric: 'checks', value: all > 0 ? passes / all : 0, text: percent(passes, all), ...(passes < all ? { tone: 'bad' as const } : {}) });
  }
  return tiles;
}

function renderTile(tile: Tile): string {
  return (
    `<div class="tile${tile.tone ? ` ${tile.tone}` : ''}"><dt>${escapeHtml(tile.label)}</dt>` +
    `<dd data-metric="${escapeHtml(tile.metric)}" data-value="${tile.value}">${escapeHtml(tile.text)}</dd>` +
    (tile.note ? `<dd class="note">${escapeHtml(tile.note)}</dd>` : '') +
    '</div>'
  );
}

/** A table; `numeric` columns are right-aligned. Cells are escaped here. */
function table(id: string, head: string[], rows: string[][], numeric: boolean[]): string {
  const cell = (tag: 'th' | 'td', text: string, i: number): string => `<${tag}${numeric[i] ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return (
    `<table id="${id}"><thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((row) => `<tr>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`
  );
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function countsTable(id: string, keyLabel: string, counts: Record<string, number>, whole: number): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '<p class="empty">none</p>';
  return table(
    id,
    [keyLabel, 'count', 'share'],
    entries.map(([key, n]) => [key, integer.format(n), percent(n, whole)]),
    [false, true, true],
  );
}

const LATENCY_COLUMNS = [
  ['min', 'min'],
  ['mean', 'mean'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['max', 'max'],
] as const;

function stepsTable(steps: Record<string, StepReport>): string {
  const rows = Object.entries(steps).map(([name, step]) => [
    name,
    integer.format(step.total),
    integer.format(step.success),
    integer.format(step.failed),
    percent(step.failed, step.total),
    ...LATENCY_COLUMNS.map(([key]) => (step.latency.count > 0 ? formatMs(step.latency[key]) : '-')),
  ]);
  return table(
    'steps-table',
    ['step', 'requests', 'ok', 'failed', 'error rate', ...LATENCY_COLUMNS.map(([, label]) => label)],
    rows,
    [false, ...Array<boolean>(4 + LATENCY_COLUMNS.length).fill(true)],
  );
}

/** The timeline as uPlot wants it: one x array, one array per series; options are plain JSON. */
function chartSpec(report: RunReport): { t: number[]; charts: unknown[] } {
  const timeline = report.timeline ?? [];
  const series = (label: string, stroke: string, fill?: string): Record<string, unknown> => ({ label, stroke, width: 2, ...(fill ? { fill } : {}) });
  return {
    t: timeline.map((e) => e.t),
    charts: [
      {
        id: 'chart-throughput',
        unit: 'per second',
        series: [series('requests/s', '#2563eb', 'rgba(37,99,235,0.08)'), series('failures/s', '#dc2626', 'rgba(220,38,38,0.12)')],
        // failures/s at the interval's actual length, which `rps` already measures.
        values: [timeline.map((e) => e.rps), timeline.map((e) => (e.requests > 0 ? Math.round(((e.rps * e.failed) / e.requests) * 10) / 10 : 0))],
      },
      {
        id: 'chart-latency',
        unit: 'ms',
        series: [series('p50', '#16a34a'), series('p95', '#ea580c'), series('p99', '#dc2626')],
        // An interval without completed requests has no latency: a gap, not a zero.
        values: (['p50', 'p95', 'p99'] as const).map((p) => timeline.map((e) => (e.requests > 0 ? e.latency[p] : null))),
      },
      {
        id: 'chart-sessions',
        unit: 'sessions',
        series: [series('active sessions', '#7c3aed', 'rgba(124,58,237,0.08)')],
        values: [timeline.map((e) => e.active_sessions)],
      },
    ],
  };
}

// Hands uPlot its options and data; sizes follow the container.
const CHART_SCRIPT = `(function () {
  var spec = JSON.parse(document.getElementById('chart-data').textContent);
  var plots = spec.charts.map(function (chart) {
    var el = document.getElementById(chart.id);
    var opts = {
      width: el.clientWidth,
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since start' }, { label: chart.unit, size: 70 }],
      series: [{ label: 't (s)' }].concat(chart.series)
    };
    return { el: el, plot: new uPlot(opts, [spec.t].concat(chart.values), el) };
  });
  window.addEventListener('resize', function () {
    plots.forEach(function (p) { p.plot.setSize({ width: p.el.clientWidth, height: 240 }); });
  });
})();`;

const STYLE = `
:root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; --good: #15803d; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0; }
.sub code { color: var(--fg); }
.verdict { display: inline-block; margin-top: 12px; padding: 6px 12px; border-radius: 6px; font-weight: 600; }
.verdict.pass { background: #dcfce7; color: var(--good); }
.verdict.fail { background: #fee2e2; color: var(--bad); }
dl.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 20px 0 0; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tile dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.tile dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile dd.note { font-size: 12px; font-weight: 400; color: var(--muted); }
.tile.bad dd:not(.note) { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.chart { width: 100%; min-height: 240px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
.num { text-align: right; white-space: nowrap; }
td.ok { color: var(--good); font-weight: 600; }
td.crossed { color: var(--bad); font-weight: 600; }
.pair { display: flex; flex-wrap: wrap; gap: 32px; }
.empty { color: var(--muted); }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow: auto; font-size: 12px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

function thresholdsSection(thresholds: ThresholdRow[]): string {
  if (thresholds.length === 0) return '';
  const rows = thresholds
    .map(
      (t) =>
        // The summary's units: ms for latency, % for rates, req/s, counts.
        `<tr><td><code>${escapeHtml(t.expr)}</code></td><td class="num">${escapeHtml(thresholdValue(t))}</td>` +
        `<td class="${t.ok ? 'ok' : 'crossed'}">${t.ok ? '✓ pass' : '✗ fail'}</td></tr>`,
    )
    .join('');
  return section(
    'thresholds',
    'Thresholds',
    `<table id="thresholds-table"><thead><tr><th>threshold</th><th class="num">measured</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function verdict(thresholds: ThresholdRow[]): string {
  if (thresholds.length === 0) return '';
  const crossed = thresholds.filter((t) => !t.ok).length;
  const text = crossed === 0 ? `thresholds: all ${thresholds.length} passed` : `thresholds: ${crossed} of ${thresholds.length} crossed`;
  return `<div class="verdict ${crossed === 0 ? 'pass' : 'fail'}" id="verdict" data-crossed="${crossed}">${escapeHtml(text)}</div>`;
}

/**
 * The report as one self-contained HTML document (UTF-8). Reports with
 * `thresholds` and `checks` show them; reports without leave them out.
 */
export function renderHtmlReport(report: RunReport): string {
  const { script, style } = uplotAssets();
  const thresholds = thresholdsOf(report);
  const checks = checksOf(report);
  const timeline = report.timeline ?? [];
  const { latency } = report;
  const reason = STOPPED[report.reason] ?? report.reason;
  const started = report.started_at ? new Date(report.started_at) : undefined;
  const startedText = started && !Number.isNaN(started.getTime()) ? started.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';

  const charts =
    timeline.length === 0
      ? '<p class="empty">no timeline in this report (the run ended before its first interval)</p>'
      : '<div class="charts">' +
        [
          ['chart-throughput', 'Requests and failures per second'],
          ['chart-latency', 'Latency p50 / p95 / p99 (ms)'],
          ['chart-sessions', 'Active sessions'],
        ]
          .map(([id, caption]) => `<figure><figcaption>${escapeHtml(caption!)}</figcaption><div class="chart" id="${id}"></div></figure>`)
          .join('') +
        '</div>';

  const latencyTable =
    latency.count === 0
      ? '<p class="empty">no completed requests</p>'
      : table('latency-table', LATENCY_COLUMNS.map(([, label]) => label), [LATENCY_COLUMNS.map(([key]) => formatMs(latency[key]))], LATENCY_COLUMNS.map(() => true));

  const reasons = Object.entries(report.failure_reasons ?? {});
  const body = [
    '<header>',
    '<h1>session-engine run report</h1>',
    `<p class="sub">target <code id="target">${escapeHtml(report.target)}</code> · <span id="model">${escapeHtml(report.model)}</span> model · ` +
      `<span id="reason">${escapeHtml(reason)}</span>${startedText ? ` · started ${escapeHtml(startedText)}` : ''} · engine ${escapeHtml(String(report.engine ?? ''))}</p>`,
    verdict(thresholds),
    `<dl class="tiles" id="headline">${headlineTiles(report, checks).map(renderTile).join('')}</dl>`,
    '</header>',
    thresholdsSection(thresholds),
    section('timeline', 'Over time', charts),
    section('latency', 'Latency', latencyTable),
    Object.keys(report.steps).length > 0 ? section('steps', 'Steps', stepsTable(report.steps)) : '',
    checks.length > 0
      ? section(
          'checks',
          'Checks',
          table(
            'checks-table',
            ['check', 'passes', 'fails', 'pass rate'],
            checks.map((c) => [c.name, integer.format(c.passes), integer.format(c.fails), percent(c.passes, c.passes + c.fails)]),
            [false, true, true, true],
          ),
        )
      : '',
    `<div class="pair">${section('status', 'Status codes', countsTable('status-table', 'status', report.status_codes, report.total))}` +
      `${section('errors', 'Error kinds', countsTable('errors-table', 'kind', report.errors, report.total))}</div>`,
    section(
      'failures',
      'Failure reasons',
      reasons.length === 0
        ? '<p class="empty">none</p>'
        : table('failures-table', ['iterations', 'reason'], reasons.map(([text, n]) => [integer.format(n), text]), [true, false]),
    ),
    section('config', 'Effective configuration (secrets redacted)', `<pre id="config-json">${escapeHtml(JSON.stringify(report.config ?? {}, null, 2))}</pre>`),
    `<footer>Generated by session-engine from a report of ${escapeHtml(String(report.engine ?? 'an unknown version'))}. ` +
      'This file is self-contained: it loads nothing from the network.</footer>',
  ].join('\n');

  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The page may run its inline scripts and styles and nothing else: no request leaves it.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<link rel="icon" href="data:,">',
    `<title>session-engine report: ${escapeHtml(report.target)}</title>`,
    `<style>${inlineSafe(style, 'style')}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    timeline.length > 0
      ? `<script type="application/json" id="chart-data">${jsonForScript(chartSpec(report))}</script>\n` +
        `<script>${inlineSafe(script, 'script')}</script>\n<script>${CHART_SCRIPT}</script>`
      : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
