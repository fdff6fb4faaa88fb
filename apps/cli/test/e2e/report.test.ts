/** The outputs users script against: --json, --out, --metrics-port, and the --demo quick start. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_METRICS_ENV, runEngine, startTarget, waitForMetrics, waitForOutput, type TargetProcess } from './processes.js';

let target: TargetProcess;
const dir = mkdtempSync(join(tmpdir(), 'engine-report-'));

beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target?.stop();
});

describe('report outputs', () => {
  it('--json prints one document with the documented fields; --out writes the same document', async () => {
    const out = join(dir, 'report.json');
    const result = await runEngine(['run', '-t', `${target.url}/status/201`, '-s', '3', '-n', '30', '--json', '--out', out, '-H', 'authorization: Bearer s3cret']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of ['total', 'success', 'failed', 'rps', 'latency', 'status_codes', 'errors', 'sessions', 'duration', 'config']) {
      expect(report, key).toHaveProperty(key);
    }
    expect(report.total).toBe(30);
    expect(report.status_codes).toEqual({ '201': 30 });
    expect(Object.keys(report.latency as object)).toEqual(['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max', 'hdr']);
    // The timeline adds up to the totals.
    const timeline = report.timeline as { t: number; requests: number; iterations: number; hdr: string }[];
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(30);
    expect(timeline.reduce((sum, entry) => sum + entry.iterations, 0)).toBe(30);
    // Secrets never reach the report.
    expect(result.stdout).not.toContain('s3cret');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    // Written atomically: no temporary file is left beside it.
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('checks --out before sending anything: a missing or unwritable directory is exit 1', async () => {
    const before = (await target.stats()).total_requests;
    for (const out of [join(dir, 'no-such-dir', 'report.json'), dir]) {
      const result = await runEngine(['run', '-t', `${target.url}/`, '-s', '2', '-n', '10', '--json', '--out', out]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(out === dir ? /is a directory/ : /does not exist/);
    }
    expect((await target.stats()).total_requests).toBe(before);
  });

  it('prints the report before writing --out; if the write fails the report is still on stdout and the exit code is 1', async () => {
    const gone = mkdtempSync(join(tmpdir(), 'engine-report-gone-'));
    const out = join(gone, 'report.json');
    const result = await runEngine(['run', '-t', `${target.url}/`, '-s', '2', '-d', '1500ms', '--json', '--out', out], {
      onStart: (child) => {
        // The directory was fine at the start; it disappears while the run goes on.
        void waitForOutput(child, /run started/).then(() => rmSync(gone, { recursive: true, force: true }));
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/could not write the report to --out .*report\.json.*the report above is complete/);
    const report = JSON.parse(result.stdout) as { total: number };
    expect(report.total).toBeGreaterThan(0);
  });

  it('keeps a body with a password and an x-api-key header out of --json, --out and every log line', async () => {
    const out = join(dir, 'secret-report.json');
    const result = await runEngine([
      'run', '-t', `${target.url}/echo`, '-s', '2', '-n', '6', '-m', 'POST', '--body', 'user=a&password=hunter2',
      '-H', 'x-api-key: SECRET123', '--json', '--out', out, '--log-level', 'debug',
    ]);
    expect(result.code, result.stderr).toBe(0);
    // The secrets were used and shown masked: not merely absent because they never got in.
    expect(JSON.parse(result.stdout)).toMatchObject({
      total: 6,
      failed: 0,
      config: { method: 'POST', body: '[REDACTED]', headers: { 'x-api-key': '[REDACTED]' } },
    });
    expect(result.stderr).toMatch(/run started/);
    for (const text of [result.stdout, readFileSync(out, 'utf8'), result.stderr]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('SECRET123');
    }
  });

  it('--metrics-port serves Prometheus metrics while the run is going', async () => {
    let scraped = '';
    const result = await runEngine(['run', '-t', `${target.url}/`, '-s', '2', '-d', '20s', '--metrics-port', '0', '--json'], {
      env: FAST_METRICS_ENV,
      onStart: async (child) => {
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        await waitForOutput(child, /serving Prometheus metrics/);
        const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1];
        // Scraped once the engine has counted a success, while the run is still going.
        await waitForMetrics(child, (line) => line.success > 0);
        scraped = url ? await (await fetch(url)).text() : `no url in: ${stderr}`;
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(scraped).toMatch(/^session_engine_requests_total\{outcome="success"\} [1-9]\d*$/m);
    expect(scraped).toMatch(/^session_engine_active_sessions 2$/m);
  });

  it('--demo runs the login scenario against the embedded target server', async () => {
    const result = await runEngine(['run', '--demo', '-s', '20', '-d', '2s', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      target: string;
      failed: number;
      total: number;
      steps: Record<string, { total: number; failed: number }>;
      sessions: { created: number };
    };
    expect(report.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+ \(embedded demo target\)$/);
    expect(report.sessions.created).toBe(20);
    expect(Object.keys(report.steps)).toEqual(['login', 'me', 'counter']);
    expect(report.steps.login?.total).toBe(20);
    expect(report.steps.me?.total).toBeGreaterThan(20);
    expect(report.failed).toBe(0);
  });
});
