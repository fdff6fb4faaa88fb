/**
 * `--threads`, end to end with real processes on loopback: the run split
 * across worker threads does the one-thread run's work (same totals, the
 * target's own count), sessions stay isolated across threads, signals stop
 * every thread, and a thread that crashes gives exit 1 and a partial report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST_METRICS_ENV, runEngine, useTarget, waitForMetrics, waitForOutput, waitUntil } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'engine-e2e-threads-'));
// Each session logs in as its own user and fails on any cookie mix-up (cross-talk).
const loginAndCheck = fileURLToPath(new URL('./fixtures/login-and-check.mjs', import.meta.url));

interface ThreadRow {
  thread: number;
  sessions: number;
  first_session: number;
  iterations: number;
  total: number;
  ended: string;
  reason: string;
}

interface Report {
  reason: string;
  total: number;
  success: number;
  failed: number;
  iterations: number;
  dropped: number;
  interrupted_iterations: number;
  errors: Record<string, number>;
  sessions: { configured: number; created: number };
  steps: Record<string, { total: number; failed: number }>;
  timeline: { requests: number }[];
  threads?: ThreadRow[];
  partial?: string;
}

const parse = (stdout: string): Report => JSON.parse(stdout) as Report;

describe('engine run --threads', () => {
  it('--threads 2 and --threads 1 give the same totals for -n, and the target counted them', async () => {
    const totals: Report[] = [];
    for (const threads of ['1', '2']) {
      await fetch(`${target().url}/stats/reset`, { method: 'POST' });
      const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '8', '-n', '401', '--threads', threads, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const report = parse(result.stdout);
      expect((await target().stats()).total_requests).toBe(report.total);
      totals.push(report);
    }
    const [one, two] = totals as [Report, Report];
    for (const report of [one, two]) {
      expect(report).toMatchObject({ reason: 'iterations', iterations: 401, total: 401, success: 401, failed: 0 });
      expect(report.sessions).toMatchObject({ configured: 8, created: 8 });
      expect(report.timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(401);
    }
    expect(one.threads).toBeUndefined();
    // The remainder of the budget goes to the first thread; session ids 1-4 and 5-8.
    expect(two.threads).toEqual([
      expect.objectContaining({ thread: 0, sessions: 4, first_session: 1, iterations: 201, total: 201, ended: 'finished' }),
      expect.objectContaining({ thread: 1, sessions: 4, first_session: 5, iterations: 200, total: 200, ended: 'finished' }),
    ]);
  });

  it('keeps each session on its own cookie across threads: one server-side session per engine session, no cross-talk', async () => {
    const sessions = 12;
    const result = await runEngine(['run', '-t', target().url, '--script', loginAndCheck, '-s', String(sessions), '-n', '240', '--threads', '3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parse(result.stdout);
    expect(report.failed).toBe(0);
    expect(report.steps['login']?.total).toBe(sessions);
    expect(report.threads?.map((row) => row.first_session)).toEqual([1, 5, 9]);
    const stats = await target().stats();
    // Session ids are unique across the threads (user-1 ... user-12): twelve server-side sessions, each its own.
    expect(stats.sessions.count).toBe(sessions);
    expect(stats.sessions.requests_without_session).toBe(sessions);
    expect(stats.total_requests).toBe(report.total);
  });

  it('open model: the threads interleave one schedule, so their starts are the single run\'s', async () => {
    // 50 starts/s, a budget of 40: arrivals 0..39 of the one schedule, the even ones in thread 0; ten idle sessions per thread, none dropped.
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '20', '-r', '50', '-n', '40', '--threads', '2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parse(result.stdout);
    expect(report).toMatchObject({ iterations: 40, total: 40, dropped: 0 });
    expect(report.threads?.map((row) => row.iterations)).toEqual([20, 20]);
  });

  it('SIGINT stops every thread gracefully: exit 0, reason signal, every request the target saw is counted', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/delay?ms=200`, '-s', '6', '-d', '60s', '--threads', '2', '--json'], {
      env: FAST_METRICS_ENV,
      onStart: async (child) => {
        await waitForMetrics(child, (line) => line.success >= 6);
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const report = parse(result.stdout);
    expect(report.reason).toBe('signal');
    expect(report.failed).toBe(0);
    expect(report.threads?.map((row) => [row.ended, row.reason])).toEqual([
      ['finished', 'signal'],
      ['finished', 'signal'],
    ]);
    expect((await target().stats()).total_requests).toBe(report.total);
  });

  it('--metrics-port serves the merged run: both threads\' sessions and requests', async () => {
    let scraped = '';
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-d', '20s', '--threads', '2', '--metrics-port', '0', '--json'], {
      env: FAST_METRICS_ENV,
      onStart: async (child) => {
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        await waitForOutput(child, /serving Prometheus metrics/);
        const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1];
        // The main thread's metrics line is the merged run too: scraped once it has counted a success.
        await waitForMetrics(child, (line) => line.success > 0);
        scraped = url ? await (await fetch(url)).text() : `no url in: ${stderr}`;
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(scraped).toMatch(/^session_engine_requests_total\{outcome="success"\} [1-9]\d*$/m);
    // Two sessions in each thread.
    expect(scraped).toMatch(/^session_engine_active_sessions 4$/m);
  });

  it('a second SIGINT stops every thread at once: exit 130, the requests in flight counted as interrupted', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/delay?ms=10000`, '-s', '4', '-d', '60s', '--threads', '2', '--json'], {
      onStart: async (child) => {
        await waitUntil(async () => (await target().stats()).total_requests >= 4, 'four requests at the target');
        child.kill('SIGINT');
        await waitForOutput(child, /SIGINT received/);
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(130);
    const report = parse(result.stdout);
    expect(report.reason).toBe('forced');
    expect(report.interrupted_iterations).toBe(4);
    expect(report.errors).toEqual({ interrupted: 4 });
    expect(report.threads).toHaveLength(2);
  });

  it('a thread that crashes (an uncaught error) stops the others: exit 1, the report is marked partial with the reason', async () => {
    const script = join(dir, 'crash.mjs');
    // Thread 1 holds sessions 4-6; its 30th iteration throws outside the job, where nothing catches it.
    writeFileSync(
      script,
      `let n = 0;
export default async (session, context) => {
  await context.request({ path: '/' });
  if (session.id >= 4 && ++n === 30) process.nextTick(() => { throw new Error('boom in iteration 30'); });
};
`,
    );
    const result = await runEngine(['run', '-t', target().url, '--script', script, '-s', '6', '-d', '30s', '--threads', '2', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const report = parse(result.stdout);
    expect(report.partial).toMatch(/thread 1 crashed: boom in iteration 30/);
    expect(report.threads?.map((row) => row.ended)).toEqual(['finished', 'crashed']);
    expect(report.total).toBe(report.threads!.reduce((sum, row) => sum + row.total, 0));
    expect(result.stderr).toMatch(/thread 1 crashed: boom in iteration 30; stopping the other threads/);
  });
});
