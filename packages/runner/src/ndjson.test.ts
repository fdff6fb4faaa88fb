import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonWriteError } from './errors.js';
import { openNdjsonSink } from './ndjson.js';
import type { RunReport } from './report.js';
import type { TimelineEntry } from './timeline.js';

const dir = mkdtempSync(join(tmpdir(), 'se-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (t: number): TimelineEntry => ({
  t,
  requests: 10,
  failed: 1,
  rps: 10,
  latency: { p50: 1, p95: 2, p99: 3, max: 4 },
  active_sessions: 2,
  iterations: 5,
  hdr: 'HISTFAAAAA',
});

describe('openNdjsonSink', () => {
  it('writes each interval as one line at once (readable before close), then the report line', () => {
    const path = join(dir, 'run.ndjson');
    const sink = openNdjsonSink(path);
    sink.interval(entry(0));
    // On disk as soon as interval() returns: nothing is buffered in the process.
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify({ type: 'interval', ...entry(0) })}\n`);
    sink.interval(entry(1));
    sink.report({ engine: 'x', total: 20, thresholds: [] } as unknown as RunReport);
    sink.close();
    sink.close(); // idempotent
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line['type'], line['t'] ?? line['total']])).toEqual([
      ['interval', 0],
      ['interval', 1],
      ['report', 20],
    ]);
    expect(() => sink.interval(entry(2))).toThrow(/is closed/);
  });

  it('truncates an existing file and fails with SE_ERR_RUNNER_NDJSON_WRITE where it cannot create one', () => {
    const path = join(dir, 'again.ndjson');
    for (let i = 0; i < 2; i++) {
      const sink = openNdjsonSink(path);
      sink.interval(entry(i));
      sink.close();
    }
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    const error = (() => {
      try {
        openNdjsonSink(join(dir, 'missing', 'x.ndjson'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(NdjsonWriteError);
    expect(error).toMatchObject({ code: 'SE_ERR_RUNNER_NDJSON_WRITE', path: join(dir, 'missing', 'x.ndjson') });
    expect((error as Error).message).toMatch(/could not create the NDJSON results file .*ENOENT/);
  });
});
