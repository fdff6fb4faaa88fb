/**
 * What users rely on most, end to end with real processes: every session is
 * its own client (cookies never cross sessions, one keep-alive connection
 * each), headers and scenario captures arrive, and the JSON report matches
 * what the server itself counted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngine, useTarget } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'engine-e2e-'));
// Each session logs in as its own user and fails on any cookie mix-up (cross-talk).
const loginAndCheck = fileURLToPath(new URL('./fixtures/login-and-check.mjs', import.meta.url));

interface Report {
  total: number;
  success: number;
  failed: number;
  iterations: number;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  failure_reasons: Record<string, number>;
  sessions: { configured: number; created: number };
  steps: Record<string, { total: number; failed: number }>;
  config: Record<string, unknown>;
}

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe('session isolation', () => {
  it('keeps every session on its own cookie and user, with no cross-talk', async () => {
    const sessions = 12;
    const result = await runEngine(['run', '-t', target().url, '--script', loginAndCheck, '-s', String(sessions), '-n', '240', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.failed).toBe(0);
    expect(report.failure_reasons).toEqual({});
    expect(report.steps.login?.total).toBe(sessions);
    expect(report.steps.me?.total).toBe(report.iterations);

    const stats = await target().stats();
    // Exactly one server-side session per engine session, each used repeatedly.
    expect(stats.sessions.count).toBe(sessions);
    const perSession = Object.values(stats.sessions.requests);
    expect(perSession).toHaveLength(sessions);
    for (const n of perSession) expect(n).toBeGreaterThan(1);
    // Only the logins travelled without a cookie.
    expect(stats.sessions.requests_without_session).toBe(sessions);
    expect(stats.total_requests).toBe(report.total);
  });

  it('reuses one keep-alive connection per session: connections follow sessions, not requests', async () => {
    const sessions = 8;
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', String(sessions), '-n', '400', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.total).toBe(400);
    expect(report.success).toBe(400);

    const stats = await target().stats();
    expect(stats.total_requests).toBe(400);
    expect(stats.connections.with_requests).toBe(sessions);
  });
});

describe('headers and scenarios', () => {
  it('sends config headers and -H headers, and threads captures into later steps', async () => {
    // Header values are status codes, so what the server received shows up in status_codes.
    const config = join(dir, 'scenario.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        number_of_sessions: 3,
        headers: { 'x-from-config': '202', 'x-overridden': '500' },
        scenario: [
          {
            name: 'echo',
            path: '/echo?code=204&who={{session_id}}',
            expect_status: 200,
            capture: {
              code: { json: '$.query.code' },
              config_header: { json: '$.headers.x-from-config' },
              flag_header: { json: '$.headers.x-from-flag' },
              overridden: { json: '$.headers.x-overridden' },
              who: { json: '$.query.who' },
            },
          },
          { name: 'query-capture', path: '/status/{{code}}', expect_status: 204 },
          { name: 'config-header', path: '/status/{{config_header}}', expect_status: 202 },
          { name: 'flag-header', path: '/status/{{flag_header}}', expect_status: 203 },
          { name: 'flag-wins', path: '/status/{{overridden}}', expect_status: 201 },
        ],
      }),
    );
    const result = await runEngine(['run', '-c', config, '-H', 'x-from-flag: 203', '-H', 'X-Overridden: 201', '-n', '9', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.failure_reasons).toEqual({});
    expect(report.failed).toBe(0);
    expect(report.iterations).toBe(9);
    expect(report.status_codes).toEqual({ '200': 9, '201': 9, '202': 9, '203': 9, '204': 9 });
    expect(Object.keys(report.steps)).toEqual(['echo', 'query-capture', 'config-header', 'flag-header', 'flag-wins']);
  });

  it('fails the iteration with a reason when a capture finds nothing', async () => {
    const config = join(dir, 'capture-miss.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        number_of_sessions: 1,
        scenario: [{ name: 'echo', path: '/echo', capture: { token: { json: '$.no.such.field' } } }, { path: '/' }],
      }),
    );
    const result = await runEngine(['run', '-c', config, '-n', '3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    // The echo request itself succeeded; the iteration stopped before the second step.
    expect(report.total).toBe(3);
    expect(report.failure_reasons).toEqual({ 'echo: capture "token" found nothing at JSON path $.no.such.field (status 200)': 3 });
  });

  it('reports a failed expectation as a failure with its reason', async () => {
    const config = join(dir, 'expect.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        number_of_sessions: 2,
        scenario: [{ name: 'wants-201', path: '/status/200', expect_status: 201 }],
      }),
    );
    const result = await runEngine(['run', '-c', config, '-n', '6', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.total).toBe(6);
    expect(report.failed).toBe(6);
    expect(report.errors).toEqual({ expectation: 6 });
    const reasons = Object.keys(report.failure_reasons);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/201/);
    expect(reasons[0]).toMatch(/200/);
  });
});
