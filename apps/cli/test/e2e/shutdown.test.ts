/**
 * Signals, end to end: the first SIGINT/SIGTERM drains in-flight requests and
 * still prints the report (exit 0); a second one forces exit 130 with what
 * the engine has. Every request started is accounted for.
 */
import { describe, expect, it } from 'vitest';
import { runEngine, useTarget, waitForOutput } from './processes.js';

const target = useTarget();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-run lets in-flight requests finish, prints the report and exits 0`, async () => {
      const result = await runEngine(['run', '-t', `${target().url}/delay?ms=300`, '-s', '10', '-d', '60s', '--json'], {
        onStart: (child) => {
          void waitForOutput(child, /run started/).then(async () => {
            await sleep(1000);
            child.kill(signal);
          });
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`${signal} received`));
      const report = JSON.parse(result.stdout) as { reason: string; total: number; success: number; failed: number; duration: number };
      expect(report.reason).toBe('signal');
      expect(report.duration).toBeLessThan(30);
      expect(report.total).toBeGreaterThan(0);
      expect(report.total).toBe(report.success + report.failed);
      // Nothing was cut off: every request the server received was answered and counted.
      expect(report.failed).toBe(0);
      const stats = await target().stats();
      expect(stats.total_requests).toBe(report.total);
    });
  }

  it('a second signal forces exit 130 and still prints what it has', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/delay?ms=10000`, '-s', '4', '-d', '60s', '--json'], {
      onStart: (child) => {
        void waitForOutput(child, /run started/).then(async () => {
          await sleep(500);
          child.kill('SIGINT');
          await waitForOutput(child, /SIGINT received/);
          child.kill('SIGINT');
        });
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/forcing exit/);
    const report = JSON.parse(result.stdout) as { reason: string; total: number; success: number; failed: number };
    expect(report.reason).toBe('forced');
    expect(report.total).toBe(report.success + report.failed);
  });

  it('shows the human summary after a graceful stop', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-d', '60s'], {
      onStart: (child) => {
        void waitForOutput(child, /run started/).then(async () => {
          await sleep(700);
          child.kill('SIGINT');
        });
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/session-engine run summary \(closed model, stopped by signal\)/);
    expect(result.stdout).toMatch(/requests\s+[\d,]+ total/);
    expect(result.stdout).toMatch(/latency\s+min/);
  });
});
