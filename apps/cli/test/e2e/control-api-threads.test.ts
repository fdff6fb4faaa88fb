/**
 * The control API of a run across worker threads end to end: a real
 * `engine run --threads 2 --control-port 0` process, real HTTP on 127.0.0.1,
 * the real target server counting identities and requests. The main thread
 * serves the API and applies each change to both threads. Assertions are on
 * counts over windows, never on tight timings.
 */
import { describe, expect, it } from 'vitest';
import { busySessions, client, controlApi, sleep } from './control-client.js';
import { runEngine, useTarget, waitUntil } from './processes.js';

const target = useTarget();

const token = 'e2e-threads-token-0123456789abcdefghij';

describe('engine run --threads 2 --control-port', () => {
  it('scales 4 -> 8 -> 2 sessions across both threads, pauses and resumes, totals are the threads\' sum, stops with exit 0 and a report', async () => {
    const checks: Record<string, unknown> = {};
    const result = await runEngine(['run', '-t', `${target().url}/cookie`, '-s', '4', '-d', '120s', '--threads', '2', '--control-port', '0', '--json'], {
      timeoutMs: 90_000,
      env: { SESSION_ENGINE_CONTROL_TOKEN: token },
      onStart: async (child) => {
        const control = client(await controlApi(child, token));
        await waitUntil(async () => (await target().stats()).sessions.count >= 4, '4 identities at the target');
        const first = await control.status();
        checks.threadTargets = first.threads?.map((t) => t.sessions.target);
        checks.rateClosed = (await control.patch({ rate: 10 })).status;
        checks.tooFew = (await control.patch({ sessions: 1 })).status;

        // 4 -> 8 (2 + 2 -> 4 + 4): 4 new identities (new cookies) reach the target, no more.
        const up = await control.patch({ sessions: 8 });
        checks.up = [up.status, up.body.sessions.target, up.body.threads?.map((t) => t.sessions.target)];
        await waitUntil(async () => (await target().stats()).sessions.count >= 8, '8 identities at the target');
        await sleep(500);
        checks.identities = (await target().stats()).sessions.count;
        // 8 -> 2: each thread keeps one session; the others finish their iteration and close.
        checks.down = (await control.patch({ sessions: 2 })).body.sessions.target;
        await waitUntil(async () => (await control.status()).sessions.active === 2, '2 active sessions');
        await sleep(300);
        const a = await target().stats();
        await sleep(700);
        checks.busyAfterDown = busySessions(a, await target().stats());

        // Pause: after in-flight requests, nothing reaches the target; resume: requests again.
        checks.paused = (await control.patch({ paused: true })).body.state;
        await sleep(300);
        const pausedAt = (await target().stats()).total_requests;
        await sleep(700);
        checks.duringPause = (await target().stats()).total_requests - pausedAt;
        await control.patch({ paused: false });
        await sleep(700);
        checks.afterResume = (await target().stats()).total_requests - pausedAt;

        // The totals are the sum over the threads (as of their latest snapshots).
        const status = await control.status();
        checks.threads = status.threads?.length;
        checks.sumOfThreads = status.threads?.reduce((sum, t) => sum + t.requests, 0) === status.totals.requests;
        checks.requestsSoFar = status.totals.requests;

        checks.stop = (await control.stop({ graceful_stop: '5s' })).status;
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(checks).toMatchObject({
      threadTargets: [2, 2],
      rateClosed: 409,
      tooFew: 400,
      up: [200, 8, [4, 4]],
      identities: 8,
      down: 2,
      busyAfterDown: 2,
      paused: 'paused',
      duringPause: 0,
      threads: 2,
      sumOfThreads: true,
      stop: 202,
    });
    expect(checks.afterResume).toBeGreaterThan(5);
    expect(checks.requestsSoFar).toBeGreaterThan(0);
    expect(result.stderr).not.toMatch(/not served with threads/);

    const report = JSON.parse(result.stdout) as { reason: string; sessions: { configured: number; created: number }; total: number; threads: { reason: string; ended: string }[] };
    expect(report.reason).toBe('stopped');
    expect(report.sessions).toMatchObject({ configured: 4, created: 8 });
    expect(report.threads.map((t) => [t.reason, t.ended])).toEqual([
      ['stopped', 'finished'],
      ['stopped', 'finished'],
    ]);
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  }, 90_000);

  it('changes the open-model rate across both threads: 100/s, then 300/s (counts over one-second windows)', async () => {
    const windows: number[] = [];
    const rates: (number | null)[] = [];
    const result = await runEngine(['run', '-t', target().url, '-r', '100', '-s', '40', '-d', '60s', '--threads', '2', '--control-port', '0', '--json'], {
      timeoutMs: 60_000,
      env: { SESSION_ENGINE_CONTROL_TOKEN: token },
      onStart: async (child) => {
        const control = client(await controlApi(child, token));
        await waitUntil(async () => (await target().stats()).total_requests > 50, 'requests at the target');
        const count = async (): Promise<number> => {
          const before = (await target().stats()).total_requests;
          await sleep(1_000);
          return (await target().stats()).total_requests - before;
        };
        windows.push(await count());
        rates.push((await control.status()).rate);
        rates.push((await control.patch({ rate: 300 })).body.rate);
        // Takes effect within a second: skip one, then count one.
        await sleep(1_000);
        windows.push(await count());
        await control.stop();
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(rates).toEqual([100, 300]);
    const [before, after] = windows as [number, number];
    // Loose bounds (2 shared cores): the achieved rate follows the change.
    expect(before).toBeGreaterThan(50);
    expect(before).toBeLessThan(160);
    expect(after).toBeGreaterThan(200);
    const report = JSON.parse(result.stdout) as { model: string; reason: string; threads: unknown[] };
    expect(report).toMatchObject({ model: 'open', reason: 'stopped' });
    expect(report.threads).toHaveLength(2);
  }, 90_000);
});
