/**
 * engine run --warmup against the built demo target: the warm-up's requests
 * reach the target, and the report counts them in its warmup block alone.
 */
import { describe, expect, it } from 'vitest';
import { runEngine, useTarget } from './processes.js';

const target = useTarget();

interface Report {
  total: number;
  iterations: number;
  failed: number;
  startup: number;
  warmup?: { duration: number; iterations: number; requests: number; failed: number; dropped: number };
}

describe('engine run --warmup', () => {
  it('runs the load before the window and keeps it out of every figure but the warmup block', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-n', '50', '--warmup', '500ms', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ total: 50, iterations: 50, failed: 0 });
    expect(report.warmup).toMatchObject({ failed: 0, dropped: 0 });
    expect(report.warmup!.requests).toBeGreaterThan(0);
    expect(report.startup).toBeGreaterThanOrEqual(report.warmup!.duration);
    // The target counted both: the window's 50 and the warm-up's.
    expect((await target().stats()).total_requests).toBe(50 + report.warmup!.requests);
  });

  it('the summary says what the warm-up did, apart from the figures', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '10', '--warmup', '300ms']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/warm-up\s+0\.\d+ s before the window \(part of startup\): [\d,]+ requests \(0 failed\), counted in no other figure/);
    expect(result.stdout).toMatch(/requests\s+10 total/);
  });

  it('refuses a warm-up that is not a duration, saying which flag and how to write it', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-n', '1', '--warmup', 'soon']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--warmup "soon" is not a duration; use a number with a unit, e\.g\. 30s/);
    expect((await target().stats()).total_requests).toBe(0);
  });
});
