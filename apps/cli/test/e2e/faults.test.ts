/**
 * Faults end to end: the built `engine` against a target that is down, drops
 * the socket, answers too late, fails, or answers 404/503. The run must
 * complete (exit 0), count every request as failed under a specific kind,
 * and retry only what the policy says is worth retrying (network errors,
 * timeouts, 429, 503; never a 500 or 404).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@session-engine/test-support';
import { runEngine, useTarget } from './processes.js';

interface Report {
  total: number;
  success: number;
  failed: number;
  retries: number;
  iterations: number;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  failure_reasons: Record<string, number>;
}

const target = useTarget();

/** Preload that counts the abort listeners of the engine's signals (see the file). */
const listenerCounter = fileURLToPath(new URL('./fixtures/count-abort-listeners.mjs', import.meta.url));

async function run(args: string[]): Promise<Report> {
  const result = await runEngine(['run', ...args, '--json'], { timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  // The accounting invariant holds however the requests failed.
  expect(report.total).toBe(report.success + report.failed);
  return report;
}

describe('engine run against a failing target', () => {
  it('completes with every request failed as ECONNREFUSED when the target is down, after 3 retries each by default', async () => {
    const port = await freePort();
    const report = await run(['-t', `http://127.0.0.1:${port}/`, '-s', '2', '-n', '4']);
    expect(report.total).toBe(4);
    expect(report.failed).toBe(4);
    expect(report.success).toBe(0);
    expect(report.errors).toEqual({ ECONNREFUSED: 4 });
    expect(report.status_codes).toEqual({});
    // Default max_retries 3: every failed request was tried 4 times.
    expect(report.retries).toBe(12);
    const reasons = Object.keys(report.failure_reasons);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toContain('ECONNREFUSED');
  });

  it('lets 50 sessions retry at once without a Node warning, and leaves no abort listener behind per back-off', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'se-e2e-listeners-'));
    const counts = join(dir, 'listeners.json');
    try {
      const result = await runEngine(['run', '-t', `http://127.0.0.1:${port}/`, '-s', '50', '-n', '100', '--json'], {
        timeoutMs: 30_000,
        env: { NODE_OPTIONS: `--import ${pathToFileURL(listenerCounter).href}`, SE_TEST_LISTENER_REPORT: counts },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ total: 100, failed: 100, retries: 300 });
      // A warning cannot show a leak on a signal whose cap the scheduler lifts, so the listeners are
      // counted: at most one wait or request per session at a time (and a few run-long listeners),
      // where a listener left per back-off would be ~300.
      const { signals, most } = JSON.parse(readFileSync(counts, 'utf8')) as { signals: number; most: number };
      expect(signals).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(55);
      // 50 sessions backing off together is legitimate: no MaxListenersExceededWarning for it.
      expect(result.stderr).not.toMatch(/Warning/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not retry when --retries 0', async () => {
    const port = await freePort();
    const report = await run(['-t', `http://127.0.0.1:${port}/`, '-s', '2', '-n', '6', '--retries', '0']);
    expect(report.total).toBe(6);
    expect(report.failed).toBe(6);
    expect(report.retries).toBe(0);
    expect(report.errors).toEqual({ ECONNREFUSED: 6 });
  });

  it('counts a dropped connection (/drop) as a socket error, retried, each attempt reaching the server', async () => {
    const report = await run(['-t', `${target().url}/drop`, '-s', '2', '-n', '4', '--retries', '1']);
    expect(report.total).toBe(4);
    expect(report.failed).toBe(4);
    // undici's "other side closed": a specific socket-level kind, not 'unknown'.
    expect(report.errors).toEqual({ UND_ERR_SOCKET: 4 });
    expect(report.retries).toBe(4);
    expect((await target().stats()).total_requests).toBe(report.total + report.retries);
  });

  it('counts a response slower than --timeout as a timeout failure', async () => {
    const report = await run(['-t', `${target().url}/delay?ms=2000`, '--timeout', '300ms', '-s', '2', '-n', '2', '--retries', '1']);
    expect(report.total).toBe(2);
    expect(report.failed).toBe(2);
    expect(report.errors).toEqual({ timeout: 2 });
    expect(report.status_codes).toEqual({});
    expect(report.retries).toBe(2);
    for (const reason of Object.keys(report.failure_reasons)) expect(reason).toMatch(/timeout/);
    expect((await target().stats()).total_requests).toBe(4);
  });

  it('counts /flaky?fail_rate=1 answers as http_500 failures and does not retry a 500', async () => {
    const report = await run(['-t', `${target().url}/flaky?fail_rate=1`, '-s', '2', '-n', '6']);
    expect(report.total).toBe(6);
    expect(report.failed).toBe(6);
    expect(report.status_codes).toEqual({ '500': 6 });
    expect(report.errors).toEqual({ http_500: 6 });
    expect(report.retries).toBe(0);
    expect((await target().stats()).total_requests).toBe(6);
  });

  it('retries a 503 up to max_retries, then counts it as an http_503 failure', async () => {
    const report = await run(['-t', `${target().url}/status/503`, '-s', '2', '-n', '4', '--retries', '2']);
    expect(report.total).toBe(4);
    expect(report.failed).toBe(4);
    expect(report.status_codes).toEqual({ '503': 4 });
    expect(report.errors).toEqual({ http_503: 4 });
    expect(report.retries).toBe(8);
    expect((await target().stats()).total_requests).toBe(12);
  });

  it('counts a 404 as failed with status code 404 and matches the server count', async () => {
    const report = await run(['-t', `${target().url}/status/404`, '-s', '3', '-n', '9']);
    expect(report.total).toBe(9);
    expect(report.failed).toBe(9);
    expect(report.success).toBe(0);
    expect(report.status_codes).toEqual({ '404': 9 });
    expect(report.errors).toEqual({ http_404: 9 });
    expect(report.retries).toBe(0);
    expect((await target().stats()).total_requests).toBe(report.total);
  });

  it('fails only the iterations that hit a fault in a mixed scenario, with the step named', async () => {
    // A scenario whose second step always fails: the first step's successes still count.
    const dir = mkdtempSync(join(tmpdir(), 'se-e2e-faults-'));
    try {
      const config = join(dir, 'engine.json');
      writeFileSync(
        config,
        JSON.stringify({
          target_url: target().url,
          scenario: [
            { name: 'home', path: '/' },
            { name: 'missing', path: '/status/404', expect_status: 200 },
          ],
        }),
      );
      const report = await run(['-c', config, '-s', '2', '-n', '4']);
      expect(report.total).toBe(8);
      expect(report.success).toBe(4);
      expect(report.failed).toBe(4);
      expect(report.errors).toEqual({ expectation: 4 });
      expect(report.status_codes).toEqual({ '200': 4, '404': 4 });
      const reasons = Object.entries(report.failure_reasons);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]![0]).toMatch(/missing.*expected status 200, got 404/);
      expect(reasons[0]![1]).toBe(4);
      expect((await target().stats()).total_requests).toBe(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
