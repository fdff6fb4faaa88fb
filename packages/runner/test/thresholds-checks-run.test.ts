/** run() with thresholds, checks and onInterval against a real loopback server. */
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type TimelineEntry } from '../src/index.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

function config(overrides: Partial<ConfigInput> & Record<string, unknown>) {
  return parseConfig({ target_url: server.url, number_of_sessions: 2, log_level: 'error', ...overrides });
}

describe('run(): checks and thresholds', () => {
  it('counts scenario checks without failing iterations and reports every threshold with its value', async () => {
    const report = await run({
      config: config({
        iterations: 10,
        scenario: [
          {
            name: 'login',
            method: 'POST',
            path: '/login',
            checks: [{ name: 'token', json: '$.token', matches: '^t-' }, { name: 'is 201', status: 201 }, { header: 'set-cookie', matches: '^sid=' }],
          },
          { name: 'home', path: '/', checks: [{ name: 'says ok', body_contains: 'ok' }] },
        ],
        thresholds: ['p(99){step:login}<5s', 'error_rate<1%', 'checks>90%', 'total>=20', 'failed{step:home}<1'],
      }),
    });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 10, failed_iterations: 0, total: 20, failed: 0 });
    expect(report.checks).toEqual({
      'home.says ok': { passes: 10, fails: 0 },
      'login.header set-cookie': { passes: 10, fails: 0 },
      'login.is 201': { passes: 0, fails: 10 },
      'login.token': { passes: 10, fails: 0 },
    });
    expect(report.thresholds.map((row) => [row.expr, row.ok])).toEqual([
      ['p(99){step:login}<5s', true],
      ['error_rate<1%', true],
      ['checks>90%', false], // 30 of 40
      ['total>=20', true],
      ['failed{step:home}<1', true],
    ]);
    expect(report.thresholds[2]!.value).toBe(0.75);
    expect(report.thresholds[0]!.value).toBeGreaterThan(0);
  });

  it('an abort-on-fail threshold stops the run gracefully (reason threshold) at the first interval after its delay', async () => {
    const report = await run({
      config: config({
        target_url: `${server.url}/slow?ms=30`,
        duration: '30s',
        timeline_interval: '100ms',
        thresholds: [{ threshold: 'p(50)<1ms', abort_on_fail: true, delay: '300ms' }, 'total>0'],
      }),
    });
    // A 30 s run ended by the threshold, not by its duration.
    expect(report.reason).toBe('threshold');
    expect(report.duration).toBeGreaterThanOrEqual(0.3);
    expect(report.thresholds[0]).toMatchObject({ expr: 'p(50)<1ms', ok: false });
    expect(report.thresholds[0]!.value).toBeGreaterThanOrEqual(30);
    expect(report.thresholds[1]!.ok).toBe(true);
    // Graceful: the iterations in flight finished.
    expect(report.interrupted_iterations).toBe(0);
  });

  it('onInterval gets each timeline entry as its interval ends: together, the report timeline', async () => {
    const entries: TimelineEntry[] = [];
    const report = await run({ config: config({ duration: '550ms', timeline_interval: '100ms' }), onInterval: (entry) => entries.push(entry) });
    expect(entries).toEqual(report.timeline);
    expect(entries.length).toBeGreaterThanOrEqual(5);
  });
});
