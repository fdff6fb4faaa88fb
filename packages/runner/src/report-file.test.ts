import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportFileError, ReportFormatError, ReportParseError } from './errors.js';
import { readReportFile } from './report-file.js';

const fixture = new URL('../test/fixtures/demo-report.json', import.meta.url);
const demoText = readFileSync(fixture, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'report-file-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('readReportFile', () => {
  it('reads a report written by engine run --out', async () => {
    const report = await readReportFile(file('ok.json', demoText));
    expect(report).toEqual(JSON.parse(demoText));
  });

  it('a missing file: SE_ERR_RUNNER_REPORT_FILE naming the path and how to get a report', async () => {
    const error = await rejection(readReportFile(join(dir, 'nope.json')));
    expect(error).toBeInstanceOf(ReportFileError);
    expect(error.code).toBe('SE_ERR_RUNNER_REPORT_FILE');
    expect(error.message).toMatch(/report file .*nope\.json not found .*engine run --out report\.json/);
  });

  it('a directory: SE_ERR_RUNNER_REPORT_FILE', async () => {
    const error = await rejection(readReportFile(dir));
    expect(error.code).toBe('SE_ERR_RUNNER_REPORT_FILE');
    expect(error.message).toMatch(/is a directory/);
  });

  it('text that is not JSON: SE_ERR_RUNNER_REPORT_PARSE with file:line:column', async () => {
    const path = file('bad.json', '{\n  "total": 1,\n  oops\n}\n');
    const error = await rejection(readReportFile(path));
    expect(error).toBeInstanceOf(ReportParseError);
    expect(error.code).toBe('SE_ERR_RUNNER_REPORT_PARSE');
    expect(error).toMatchObject({ line: 3, column: 3 });
    expect(error.message).toContain(`${path}:3:3: not valid JSON`);
    // A truncated file (a run killed while writing with a plain redirect) says where it ends.
    const truncated = await rejection(readReportFile(file('cut.json', demoText.slice(0, 200))));
    expect(truncated.message).toMatch(/cut\.json:\d+:\d+: not valid JSON: unexpected end of input/);
  });

  it('reads the report line of an --out-ndjson file, and says so when that line is missing', async () => {
    const report = JSON.parse(demoText) as { timeline: object[] };
    const intervals = report.timeline.map((entry) => JSON.stringify({ type: 'interval', ...entry }));
    const finished = [...intervals, JSON.stringify({ type: 'report', ...report })].join('\n') + '\n';
    expect(await readReportFile(file('run.ndjson', finished))).toEqual(report);
    expect(await readReportFile(file('one.ndjson', `${JSON.stringify({ type: 'report', ...report })}\n`))).toEqual(report);

    const killed = await rejection(readReportFile(file('killed.ndjson', `${intervals.join('\n')}\n`)));
    expect(killed.code).toBe('SE_ERR_RUNNER_REPORT_FORMAT');
    expect(killed.message).toMatch(/killed\.ndjson is an NDJSON results file .* without its final report line: the run was killed or is still going/);
  });

  it('JSON that is not a report: SE_ERR_RUNNER_REPORT_FORMAT', async () => {
    for (const text of ['{"name": "some-package"}', '[1, 2]', '42']) {
      const error = await rejection(readReportFile(file('other.json', text)));
      expect(error).toBeInstanceOf(ReportFormatError);
      expect(error.code).toBe('SE_ERR_RUNNER_REPORT_FORMAT');
      expect(error.message).toMatch(/not a session-engine report|is not a JSON object/);
    }
  });

  it('a report with a field missing or of the wrong type names the field', async () => {
    const report = JSON.parse(demoText) as { latency: Record<string, unknown> };
    delete report.latency['p95'];
    let error = await rejection(readReportFile(file('no-p95.json', JSON.stringify(report))));
    expect(error.code).toBe('SE_ERR_RUNNER_REPORT_FORMAT');
    expect(error.message).toMatch(/no-p95\.json: latency\.p95 is not a number; .*engine run --out/);

    const wrong = JSON.parse(demoText) as { timeline: Record<string, unknown>[] };
    wrong.timeline[1]!['requests'] = 'many';
    error = await rejection(readReportFile(file('timeline.json', JSON.stringify(wrong))));
    expect(error.message).toMatch(/timeline\[1\]\.requests is not a number/);
  });
});
