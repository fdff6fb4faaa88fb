/**
 * Signals, end to end: the first SIGINT/SIGTERM drains in-flight requests and
 * still prints the report (exit 0); a second one forces exit 130 with what
 * the engine has. Every request started is accounted for.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST_METRICS_ENV, runEngine, useTarget, waitForMetrics, waitForOutput, waitUntil } from './processes.js';

const target = useTarget();

describe('graceful shutdown', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-run lets in-flight requests finish, prints the report and exits 0`, async () => {
      const result = await runEngine(['run', '-t', `${target().url}/delay?ms=300`, '-s', '10', '-d', '60s', '--json'], {
        env: FAST_METRICS_ENV,
        // Once the first round of 300 ms requests has been answered, the sessions (back to back) have the next in flight.
        onStart: async (child) => {
          await waitForMetrics(child, (line) => line.success >= 10);
          child.kill(signal);
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`${signal} received`));
      const report = JSON.parse(result.stdout) as { reason: string; total: number; success: number; failed: number; duration: number };
      expect(report.reason).toBe('signal');
      expect(report.duration).toBeLessThan(30);
      // More than the first round: the requests in flight at the signal were let finish.
      expect(report.total).toBeGreaterThan(10);
      expect(report.total).toBe(report.success + report.failed);
      // Nothing was cut off: every request the server received was answered and counted.
      expect(report.failed).toBe(0);
      const stats = await target().stats();
      expect(stats.total_requests).toBe(report.total);
    });
  }

  it('a second signal forces exit 130 and still prints what it has', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/delay?ms=10000`, '-s', '4', '-d', '60s', '--json'], {
      onStart: async (child) => {
        // All four sessions are waiting on their 10 s response once the target has seen four requests.
        await waitUntil(async () => (await target().stats()).total_requests >= 4, 'four requests at the target');
        child.kill('SIGINT');
        await waitForOutput(child, /SIGINT received/);
        child.kill('SIGINT');
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/received again: stopping at once/);
    const report = JSON.parse(result.stdout) as { reason: string; total: number; success: number; failed: number; interrupted_iterations: number; errors: Record<string, number> };
    expect(report.reason).toBe('forced');
    expect(report.total).toBe(report.success + report.failed);
    // The four sessions were each waiting on a 10 s response: cut off, not lost.
    expect(report.interrupted_iterations).toBe(4);
    expect(report.errors).toEqual({ interrupted: 4 });
  });

  it('--graceful-stop bounds a run whose requests hang: they are aborted as interrupted and the run reports', async () => {
    const started = Date.now();
    const result = await runEngine(['run', '-t', `${target().url}/delay?ms=20000`, '-s', '3', '-d', '1s', '--graceful-stop', '500ms', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000); // not the 20 s the responses would take
    const report = JSON.parse(result.stdout) as { reason: string; total: number; failed: number; iterations: number; interrupted_iterations: number; errors: Record<string, number>; failure_reasons: Record<string, number> };
    expect(report).toMatchObject({ reason: 'duration', iterations: 3, interrupted_iterations: 3, total: 3, failed: 3 });
    expect(report.errors).toEqual({ interrupted: 3 });
    expect(report.failure_reasons).toEqual({});
    expect(result.stderr).toMatch(/aborting 3 iteration\(s\) still in flight/);
  });

  it('a script job that ignores its signal cannot hold the run past --graceful-stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-e2e-stuck-'));
    const script = join(dir, 'stuck.mjs');
    writeFileSync(script, "import { setTimeout } from 'node:timers/promises';\nexport default async () => { await setTimeout(60_000); };\n");
    const started = Date.now();
    const result = await runEngine(['run', '-t', target().url, '--script', script, '-s', '2', '-d', '500ms', '--graceful-stop', '1s', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000); // not the script's 60 s
    const report = JSON.parse(result.stdout) as { reason: string; iterations: number; interrupted_iterations: number; failed_iterations: number };
    expect(report).toMatchObject({ reason: 'duration', iterations: 2, interrupted_iterations: 2, failed_iterations: 0 });
  });

  it('shows the human summary after a graceful stop', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-d', '60s'], {
      env: FAST_METRICS_ENV,
      onStart: async (child) => {
        await waitForMetrics(child, (line) => line.success > 0);
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/session-engine run summary \(closed model, stopped by signal\)/);
    expect(result.stdout).toMatch(/requests\s+[1-9][\d,]* total/);
    expect(result.stdout).toMatch(/latency\s+min/);
  });
});
