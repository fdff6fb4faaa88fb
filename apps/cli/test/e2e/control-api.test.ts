/**
 * The control API end to end: a real `engine run --control-port 0` process,
 * real HTTP on 127.0.0.1, the real target server counting identities and
 * requests. Assertions are on counts over windows, never on tight timings.
 */
import { describe, expect, it } from 'vitest';
import { busySessions, client, controlApi, sleep, type Api, type Status } from './control-client.js';
import { runEngine, useTarget, waitUntil } from './processes.js';

const target = useTarget();

describe('engine run --control-port', () => {
  it('scales 30 -> 60 -> 20 sessions, pauses and resumes, stops with exit 0 and a report; the token is in no log line or report', async () => {
    let api: Api | undefined;
    const checks: Record<string, unknown> = {};
    const result = await runEngine(['run', '-t', `${target().url}/cookie`, '-s', '30', '-d', '120s', '--control-port', '0', '--json'], {
      timeoutMs: 90_000,
      onStart: async (child) => {
        api = await controlApi(child);
        const control = client(api);
        await waitUntil(async () => (await target().stats()).sessions.count >= 30, '30 identities at the target');

        // No token, a wrong one, the token in the query string: 401.
        checks.noToken = (await fetch(`${api.url}/v1/status`)).status;
        checks.queryToken = (await fetch(`${api.url}/v1/status?token=${api.token}&access_token=${api.token}`)).status;
        // A body over 64 KiB: 413, and nothing changes.
        const large = await fetch(`${api.url}/v1/run`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sessions: 31, padding: 'x'.repeat(70_000) }),
        });
        checks.large = large.status;
        checks.rateClosed = (await control.patch({ rate: 10 })).status;
        checks.unknownField = (await control.patch({ sesions: 5 })).body;

        // 30 -> 60: 30 new identities (new cookies) reach the target.
        checks.up = (await control.patch({ sessions: 60 })).status;
        await waitUntil(async () => (await target().stats()).sessions.count >= 60, '60 identities at the target');
        // 60 -> 20: the 40 highest-numbered finish their iteration and close; 20 go on.
        checks.down = ((await control.patch({ sessions: 20 })).body as { sessions: { target: number } }).sessions.target;
        await waitUntil(async () => (await control.status()).sessions.active === 20, '20 active sessions');
        await sleep(300);
        const a = await target().stats();
        await sleep(700);
        checks.busyAfterDown = busySessions(a, await target().stats());

        // Pause: after in-flight requests, nothing reaches the target; resume: requests again.
        checks.paused = ((await control.patch({ paused: true })).body as { state: string }).state;
        await sleep(300);
        const pausedAt = (await target().stats()).total_requests;
        await sleep(700);
        checks.duringPause = (await target().stats()).total_requests - pausedAt;
        await control.patch({ paused: false });
        await sleep(500);
        checks.afterResume = (await target().stats()).total_requests - pausedAt;

        checks.stop = (await control.stop({ graceful_stop: '5s' })).status;
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(checks).toMatchObject({ noToken: 401, queryToken: 401, large: 413, rateClosed: 409, up: 200, down: 20, busyAfterDown: 20, paused: 'paused', duringPause: 0, stop: 202 });
    expect(JSON.stringify(checks.unknownField)).toContain('unknown field \\"sesions\\"');
    expect(checks.afterResume).toBeGreaterThan(20);

    const report = JSON.parse(result.stdout) as { reason: string; sessions: { configured: number; created: number }; total: number };
    expect(report.reason).toBe('stopped');
    expect(report.sessions).toMatchObject({ configured: 30, created: 60 });
    expect(result.stderr).toMatch(/"closed":40/);

    const { token } = api as Api;
    expect(result.stdout).not.toContain(token);
    const lines = result.stderr.split('\n');
    // Printed once, on its own line, outside the log; no log line carries it.
    expect(lines.filter((line) => line.includes(token))).toEqual([expect.stringMatching(/^control API token for /)]);
  }, 90_000);

  it('during --warmup: status warming_up with the warm-up figures, changes refused, a stop ends the run with its report', async () => {
    const checks: Record<string, unknown> = {};
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-d', '60s', '--warmup', '60s', '--control-port', '0', '--json'], {
      timeoutMs: 60_000,
      onStart: async (child) => {
        const control = client(await controlApi(child));
        // A 409 (no totals) until the warm-up's control is attached, right after the sessions exist.
        await waitUntil(async () => (((await control.status()) as Partial<Status>).totals?.requests ?? 0) > 0, 'warm-up requests in the status');
        const status = await control.status();
        checks.state = status.state;
        checks.patch = (await control.patch({ sessions: 8 })).status;
        checks.stop = (await control.stop({ graceful_stop: '5s' })).status;
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(checks).toEqual({ state: 'warming_up', patch: 409, stop: 202 });
    const report = JSON.parse(result.stdout) as { reason: string; total: number; warmup: { requests: number } };
    expect(report).toMatchObject({ reason: 'stopped', total: 0 });
    expect((await target().stats()).total_requests).toBe(report.warmup.requests);
  }, 90_000);

  it('refuses an address with 429 after 10 failed authentications in a minute', async () => {
    const statuses: number[] = [];
    const result = await runEngine(['run', '-t', target().url, '-s', '2', '-d', '60s', '--control-port', '0', '--json'], {
      timeoutMs: 60_000,
      onStart: async (child) => {
        const api = await controlApi(child);
        for (let i = 0; i < 10; i++) statuses.push((await fetch(`${api.url}/v1/status`, { headers: { authorization: 'Bearer wrong' } })).status);
        // Even the right token, from this address, for a minute.
        statuses.push((await fetch(`${api.url}/v1/status`, { headers: { authorization: `Bearer ${api.token}` } })).status);
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(statuses).toEqual([...Array.from({ length: 10 }, () => 401), 429]);
    expect(result.stderr).toMatch(/10 failed authentications within a minute/);
  }, 90_000);

  it('changes the open-model rate: 100/s, then 500/s (counts over one-second windows)', async () => {
    const token = 'e2e-token-from-the-environment-0123456789';
    const windows: number[] = [];
    const rates: (number | null)[] = [];
    const result = await runEngine(['run', '-t', target().url, '-r', '100', '-s', '60', '-d', '60s', '--control-port', '0', '--json'], {
      timeoutMs: 60_000,
      env: { SESSION_ENGINE_CONTROL_TOKEN: token },
      onStart: async (child) => {
        const api = await controlApi(child, token);
        const control = client(api);
        await waitUntil(async () => (await target().stats()).total_requests > 50, 'requests at the target');
        const count = async (): Promise<number> => {
          const before = (await target().stats()).total_requests;
          await sleep(1_000);
          return (await target().stats()).total_requests - before;
        };
        windows.push(await count());
        rates.push((await control.status()).rate);
        rates.push(((await control.patch({ rate: 500 })).body as { rate: number }).rate);
        // Takes effect within a second: skip one, then count one.
        await sleep(1_000);
        windows.push(await count());
        await control.stop();
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(rates).toEqual([100, 500]);
    const [before, after] = windows as [number, number];
    // Loose bounds (2 shared cores): the achieved rate follows the change.
    expect(before).toBeGreaterThan(50);
    expect(before).toBeLessThan(160);
    expect(after).toBeGreaterThan(300);
    // A token from the environment is never printed.
    expect(result.stderr).not.toContain(token);
    expect(result.stdout).not.toContain(token);
    const report = JSON.parse(result.stdout) as { model: string; reason: string };
    expect(report).toMatchObject({ model: 'open', reason: 'stopped' });
  }, 90_000);
});
