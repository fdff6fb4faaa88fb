/**
 * Pass/fail in CI, end to end against the built target server: thresholds
 * (exit 99 when crossed, 0 when they hold, 1 before any request when
 * malformed, abort on fail), scenario checks, and NDJSON results streamed
 * while the run goes on and kept after a SIGKILL.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runEngine, useTarget } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'se-e2e-thresholds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  reason: string;
  total: number;
  failed: number;
  duration: number;
  iterations: number;
  failed_iterations: number;
  thresholds: { expr: string; value: number | null; ok: boolean }[];
  checks: Record<string, { passes: number; fails: number }>;
}

/** Lines of an NDJSON file, parsed; a torn last line would throw. */
function ndjsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('thresholds', () => {
  it('a crossed threshold gives exit 99 and the JSON report says which; the others hold', async () => {
    const result = await runEngine([
      'run', '-t', `${target().url}/status/500`, '-s', '2', '-n', '20', '--json',
      '--threshold', 'error_rate<1%', '--threshold', 'total>=20', '--threshold', 'p(99.9)<10s',
    ]);
    expect(result.code, result.stderr).toBe(99);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.thresholds).toEqual([
      { expr: 'error_rate<1%', value: 1, ok: false },
      { expr: 'total>=20', value: 20, ok: true },
      { expr: 'p(99.9)<10s', value: expect.any(Number), ok: true },
    ]);
  });

  it('passing thresholds give exit 0, and the summary shows each with its value and mark', async () => {
    const config = join(dir, 'pass.json');
    writeFileSync(config, JSON.stringify({ thresholds: ['p(95)<10s', { threshold: 'error_rate<1%', abort_on_fail: true }] }));
    const result = await runEngine(['run', '-c', config, '-t', `${target().url}/`, '-s', '2', '-n', '20', '--threshold', 'rps>0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/thresholds {2}3 of 3 passed$/m);
    expect(result.stdout).toMatch(/✓ p\(95\)<10s\s+\d[\d.,]* ms$/m);
    expect(result.stdout).toMatch(/✓ error_rate<1%\s+0%$/m);
    expect(result.stdout).toMatch(/✓ rps>0\s+[\d.,]+ req\/s$/m);
  });

  it('a malformed threshold is exit 1 before any request, with a caret under the problem and the grammar', async () => {
    const flag = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '5', '--threshold', 'p(95)<<300ms']);
    expect(flag.code).toBe(1);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toContain('error: --threshold "p(95)<<300ms": invalid threshold "p(95)<<300ms" at position 7: expected a number after "<"');
    expect(flag.stderr).toContain('\n    p(95)<<300ms\n          ^\n');
    expect(flag.stderr).toContain('a threshold is <metric>[{step:<name>}] <op> <value>[!]');
    const config = join(dir, 'bad.json');
    writeFileSync(config, '{\n  "thresholds": [\n    "p(95)<300ms",\n    "p95<300ms"\n  ]\n}\n');
    const file = await runEngine(['run', '-c', config, '-t', `${target().url}/`, '-s', '2', '-n', '5']);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`${config}:4:5 thresholds[1]: invalid threshold "p95<300ms" at position 1: unknown metric "p95"; write percentiles as p(95)`);
    const step = join(dir, 'step.json');
    writeFileSync(step, JSON.stringify({ scenario: [{ name: 'home', path: '/' }], thresholds: ['p(95){step:login}<1s'] }));
    const unknown = await runEngine(['run', '-c', step, '-t', `${target().url}/`, '-s', '2', '-n', '5']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/thresholds\[0\]: threshold "p\(95\)\{step:login\}<1s" names step "login", which is not in the scenario; steps: "home"/);
    expect((await target().stats()).total_requests).toBe(0);
  });

  it('an abort-on-fail threshold stops the run early, gracefully, with reason threshold and exit 99', async () => {
    const result = await runEngine(
      ['run', '-t', `${target().url}/delay?ms=40`, '-s', '2', '-d', '60s', '--json', '--threshold', 'p(50)<1ms!', '--threshold', 'total>0'],
      { env: { SESSION_ENGINE_TIMELINE_INTERVAL: '200ms' }, timeoutMs: 30_000 },
    );
    expect(result.code, result.stderr).toBe(99);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.reason).toBe('threshold');
    expect(report.duration).toBeLessThan(30);
    expect(report.thresholds[0]).toMatchObject({ expr: 'p(50)<1ms!', ok: false });
    expect(report.thresholds[0]!.value).toBeGreaterThanOrEqual(40);
    expect(report.thresholds[1]!.ok).toBe(true);
    expect(result.stderr).toMatch(/threshold p\(50\)<1ms! crossed/);
  });
});

describe('checks', () => {
  it('are counted per step without failing requests or iterations', async () => {
    const config = join(dir, 'checks.json');
    writeFileSync(
      config,
      JSON.stringify({
        scenario: [
          {
            name: 'login', method: 'POST', path: '/login', json: { user: 'ann' }, once: true,
            checks: [{ status: 200 }, { name: 'user', json: '$.user', equals: 'ann' }, { name: 'cookie', header: 'set-cookie', matches: '^sid=' }],
          },
          { name: 'me', path: '/api/me', checks: [{ name: 'is 201', status: 201 }, { name: 'names ann', body_contains: '"ann"' }] },
        ],
        thresholds: ['checks{step:login}>=100%'],
      }),
    );
    const result = await runEngine(['run', '-c', config, '-t', target().url, '-s', '2', '-n', '10', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ iterations: 10, failed_iterations: 0, failed: 0 });
    expect(report.checks).toEqual({
      'login.cookie': { passes: 2, fails: 0 },
      'login.status': { passes: 2, fails: 0 },
      'login.user': { passes: 2, fails: 0 },
      'me.is 201': { passes: 0, fails: 10 },
      'me.names ann': { passes: 10, fails: 0 },
    });
    expect(report.thresholds).toEqual([{ expr: 'checks{step:login}>=100%', value: 1, ok: true }]);
  });
});

describe('script checks', () => {
  it('context.check() counts under its name; a step threshold of a script is evaluated on the steps it recorded', async () => {
    const script = join(dir, 'job.mjs');
    writeFileSync(
      script,
      `export default async (session, context) => {
  const res = await context.request({ path: '/' }, { step: 'home' });
  if (!context.check('home.ok', res.status === 200)) return;
  context.check('home.odd iteration', context.iteration % 2 === 1);
};
`,
    );
    const result = await runEngine([
      'run', '-t', target().url, '--script', script, '-s', '2', '-n', '10', '--json',
      '--threshold', 'checks{step:home}>=75%', '--threshold', 'p(95){step:never}<1s',
    ]);
    expect(result.code, result.stderr).toBe(99);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ iterations: 10, failed_iterations: 0 });
    expect(report.checks).toEqual({ 'home.odd iteration': { passes: 5, fails: 5 }, 'home.ok': { passes: 10, fails: 0 } });
    expect(report.thresholds).toEqual([
      { expr: 'checks{step:home}>=75%', value: 0.75, ok: true },
      { expr: 'p(95){step:never}<1s', value: null, ok: false },
    ]);
    expect(result.stderr).toMatch(/threshold p\(95\)\{step:never\}<1s: nothing to measure/);
  });
});

describe('--out-ndjson', () => {
  it('has a line per finished interval while the run goes on, and keeps them all after SIGKILL', async () => {
    const path = join(dir, 'killed.ndjson');
    let duringRun: Record<string, unknown>[] = [];
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-d', '60s', '--out-ndjson', path], {
      env: { SESSION_ENGINE_TIMELINE_INTERVAL: '200ms' },
      timeoutMs: 40_000,
      onStart: (child) => {
        void (async () => {
          for (let i = 0; i < 300 && child.exitCode === null; i++) {
            duringRun = ndjsonLines(path);
            if (duringRun.length >= 3) break;
            await sleep(50);
          }
          child.kill('SIGKILL');
        })();
      },
    });
    expect(result.signal).toBe('SIGKILL');
    expect(duringRun.length).toBeGreaterThanOrEqual(3);
    const after = ndjsonLines(path);
    expect(after.length).toBeGreaterThanOrEqual(duringRun.length);
    expect(after.slice(0, duringRun.length)).toEqual(duringRun);
    expect(after.every((line) => line['type'] === 'interval')).toBe(true);
    expect(after.map((line) => line['t'])).toEqual(after.map((_, i) => Number((i * 0.2).toFixed(3))));
    expect(after.reduce((sum, line) => sum + (line['requests'] as number), 0)).toBeGreaterThan(0);
  });

  it('ends with a line holding the whole report (the --json document), after the interval lines', async () => {
    const path = join(dir, 'done.ndjson');
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '40', '--json', '--out-ndjson', path]);
    expect(result.code, result.stderr).toBe(0);
    const lines = ndjsonLines(path);
    const last = lines.pop()!;
    const { type, ...report } = last;
    expect(type).toBe('report');
    expect(report).toEqual(JSON.parse(result.stdout));
    expect(lines.map(({ type: _type, ...entry }) => entry)).toEqual((report as { timeline: unknown[] }).timeline);
  });

  it('is checked before the first request, like --out', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '5', '--out-ndjson', join(dir, 'no-dir', 'x.ndjson')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--out-ndjson .*x\.ndjson: directory .* does not exist/);
    expect((await target().stats()).total_requests).toBe(0);
  });
});
