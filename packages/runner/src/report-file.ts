/**
 * Reads a saved report (`engine run --out`, `--json > file`, or `run()`'s
 * result written as JSON) back, for `engine report html|summary`. Checks the
 * fields the summary and the HTML report read, so a wrong file gives a clear
 * error naming the field instead of a crash while rendering.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigParseError, parseJsonWithPositions } from '@session-engine/config';
import { ReportFileError, ReportFormatError, ReportParseError } from './errors.js';
import type { RunReport } from './report.js';

const HOW = 'write one with engine run --out report.json (or engine run --json > report.json)';

const NUMBERS = ['duration', 'total', 'success', 'failed', 'retries', 'iterations', 'failed_iterations', 'rps', 'bytes_received'] as const;
const STRINGS = ['target', 'model', 'reason'] as const;
const OBJECTS = ['status_codes', 'errors', 'steps'] as const;
const LATENCY = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
const TIMELINE = ['t', 'requests', 'failed', 'rps', 'active_sessions'] as const;
/** Fields every report of every version has: a file with none of them is some other JSON. */
const HALLMARKS = ['engine', 'started_at', 'total', 'latency', 'status_codes', 'steps'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

/**
 * Checks that `value` has what the summary and the HTML report read; `where`
 * names the source in messages (a file path).
 * @throws ReportFormatError naming the first field that is missing or of the wrong type
 */
export function checkReportShape(value: unknown, where: string): RunReport {
  const bad = (field: string, what: string): never => {
    throw new ReportFormatError(
      `${where}: ${field} ${what}; this is not a report of this session-engine version (or it was edited): ${HOW}`,
    );
  };
  if (!isRecord(value)) bad('the document', 'is not a JSON object');
  const report = value as Record<string, unknown>;
  if (!HALLMARKS.some((key) => key in report)) {
    throw new ReportFormatError(
      `${where} is not a session-engine report (it has none of the fields ${HALLMARKS.join(', ')}); ${HOW}`,
    );
  }
  for (const field of NUMBERS) if (!isNumber(report[field])) bad(field, report[field] === undefined ? 'is missing' : 'is not a number');
  for (const field of STRINGS) if (typeof report[field] !== 'string') bad(field, report[field] === undefined ? 'is missing' : 'is not a string');
  for (const field of OBJECTS) if (!isRecord(report[field])) bad(field, report[field] === undefined ? 'is missing' : 'is not an object');
  const latency = report['latency'];
  if (!isRecord(latency)) bad('latency', latency === undefined ? 'is missing' : 'is not an object');
  for (const key of LATENCY) if (!isNumber((latency as Record<string, unknown>)[key])) bad(`latency.${key}`, 'is not a number');
  const sessions = report['sessions'];
  if (!isRecord(sessions)) bad('sessions', sessions === undefined ? 'is missing' : 'is not an object');
  for (const key of ['created', 'failed_to_create'] as const) {
    if (!isNumber((sessions as Record<string, unknown>)[key])) bad(`sessions.${key}`, 'is not a number');
  }
  for (const [name, step] of Object.entries(report['steps'] as Record<string, unknown>)) {
    const at = `steps[${JSON.stringify(name)}]`;
    if (!isRecord(step)) bad(at, 'is not an object');
    for (const key of ['total', 'success', 'failed'] as const) if (!isNumber((step as Record<string, unknown>)[key])) bad(`${at}.${key}`, 'is not a number');
    const stepLatency = (step as Record<string, unknown>)['latency'];
    if (!isRecord(stepLatency)) bad(`${at}.latency`, 'is not an object');
    for (const key of LATENCY) if (!isNumber((stepLatency as Record<string, unknown>)[key])) bad(`${at}.latency.${key}`, 'is not a number');
  }
  const timeline = report['timeline'];
  if (timeline !== undefined) {
    if (!Array.isArray(timeline)) bad('timeline', 'is not a list');
    (timeline as unknown[]).forEach((entry, i) => {
      if (!isRecord(entry)) bad(`timeline[${i}]`, 'is not an object');
      for (const key of TIMELINE) if (!isNumber((entry as Record<string, unknown>)[key])) bad(`timeline[${i}].${key}`, 'is not a number');
      const l = (entry as Record<string, unknown>)['latency'];
      if (!isRecord(l)) bad(`timeline[${i}].latency`, 'is not an object');
      for (const key of ['p50', 'p95', 'p99'] as const) if (!isNumber((l as Record<string, unknown>)[key])) bad(`timeline[${i}].latency.${key}`, 'is not a number');
    });
  }
  for (const field of ['failure_reasons', 'config'] as const) {
    if (report[field] !== undefined && !isRecord(report[field])) bad(field, 'is not an object');
  }
  // Reports from before these fields: read as empty rather than refused.
  return { failure_reasons: {}, config: {}, timeline: [], ...report } as unknown as RunReport;
}

/**
 * The report of an NDJSON results file (`engine run --out-ndjson`): interval
 * lines, then `{"type":"report", ...}` as the last line. `undefined` when the
 * text is not such a file.
 * @throws ReportFormatError the file has interval lines but no report line (the run was killed)
 */
function fromNdjson(text: string, path: string): Record<string, unknown> | undefined {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return undefined;
  const parse = (line: string): unknown => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return undefined;
    }
  };
  const first = parse(lines[0]!);
  if (!isRecord(first) || (first['type'] !== 'interval' && first['type'] !== 'report')) return undefined;
  const last = parse(lines[lines.length - 1]!);
  if (!isRecord(last) || last['type'] !== 'report') {
    throw new ReportFormatError(
      `${path} is an NDJSON results file (engine run --out-ndjson) without its final report line: the run was killed or is still going. ` +
        `Its ${lines.length} lines hold the intervals so far, not a report; ${HOW}`,
    );
  }
  const { type: _type, ...report } = last;
  return report;
}

/**
 * Reads and checks a report file: the JSON document of `engine run --out`
 * (or `--json`), or the NDJSON file of `--out-ndjson`, whose last line is the report.
 * @throws ReportFileError the file is missing or unreadable
 * @throws ReportParseError the text is not JSON (with the line and column)
 * @throws ReportFormatError the JSON is not a session-engine report
 */
export async function readReportFile(path: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const absolute = resolve(path);
    const message =
      code === 'ENOENT'
        ? `report file ${path} not found (resolved to ${absolute}); check the path, or ${HOW}`
        : code === 'EISDIR'
          ? `report file ${path} is a directory; give the report's file name, e.g. ${path.replace(/\/+$/, '')}/report.json`
          : `report file ${path} cannot be read (${code ?? String(error)}); check its permissions`;
    throw new ReportFileError(message, path, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
    // A finished --out-ndjson file of one line: the report line alone.
    if (isRecord(value) && value['type'] === 'report') {
      const { type: _type, ...report } = value;
      value = report;
    }
  } catch {
    value = fromNdjson(text, path);
  }
  if (value === undefined) {
    // JSON.parse does not say where, portably; the config's parser does (only on this slow path).
    try {
      value = parseJsonWithPositions(text, path).value;
    } catch (error) {
      if (!(error instanceof ConfigParseError)) throw error;
      throw new ReportParseError(
        `${error.message.replace(/: invalid JSON: /, ': not valid JSON: ')}; a report is one JSON document (or the NDJSON file of --out-ndjson): ${HOW}`,
        { file: path, line: error.line, column: error.column },
        { cause: error },
      );
    }
  }
  return checkReportShape(value, path);
}
