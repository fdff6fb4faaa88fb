/**
 * Live control of runThreads(): the main thread's RunControl splits each
 * change across the worker threads (sessions as at start, the whole run's
 * rate to each), and its status is the threads' merged. A loopback server
 * records requests by session id (in the path) and by cookie (each new
 * client gets its own). Assertions are on counts and states, not timings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlConflictError, ControlInvalidArgumentError, RunControl, runStatusSchema, runThreads } from '../src/index.js';
import { eventually } from './server.js';

let server: Server;
let url = '';
let script = '';
/** Requests by session id (from the path), and the cookies handed out. */
const byId = new Map<number, number>();
let cookies = 0;
let total = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    total++;
    const id = Number(/^\/s\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    byId.set(id, (byId.get(id) ?? 0) + 1);
    if (!/sid=/.test(req.headers.cookie ?? '')) {
      res.writeHead(200, { 'set-cookie': `sid=c${++cookies}; Path=/` }).end('new');
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const dir = mkdtempSync(join(tmpdir(), 'se-threads-control-'));
  script = join(dir, 'by-id.mjs');
  // One request naming the session, then a short pause: a closed-model session sends about 50/s.
  writeFileSync(script, "export default async (session, context) => {\n  await context.request({ path: '/s/' + session.id });\n  await new Promise((r) => setTimeout(r, 20));\n};\n");
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function config(overrides: Partial<ConfigInput> & Record<string, unknown>) {
  return parseConfig({ target_url: url, script, threads: 2, duration: '30s', graceful_stop: '2s', timeline_interval: '100ms', log_level: 'warn', ...overrides });
}

const requestsOf = (ids: number[]): number[] => ids.map((id) => byId.get(id) ?? 0);

describe('runThreads() with a RunControl', () => {
  it('splits session changes across threads (new ids unique, new identities), pauses, resumes, stops with the merged report', async () => {
    byId.clear();
    cookies = 0;
    const control = new RunControl();
    const running = runThreads({ config: config({ number_of_sessions: 4 }), control, logMetrics: false });
    expect(await eventually(() => control.running && [1, 2, 3, 4].every((id) => (byId.get(id) ?? 0) > 0), 10_000)).toBe(true);
    expect(control.status()).toMatchObject({ state: 'running', model: 'closed', rate: null, sessions: { target: 4 } });

    // 4 -> 8: each thread goes 2 -> 4; thread 0 adds ids 5 and 7, thread 1 ids 6 and 8.
    const up = await control.update({ sessions: 8 });
    expect(up.sessions.target).toBe(8);
    expect(up.threads?.map((t) => t.sessions.target)).toEqual([4, 4]);
    expect(await eventually(() => requestsOf([5, 6, 7, 8]).every((n) => n > 2), 5_000)).toBe(true);
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Eight sessions, eight identities: each new one got its own cookie.
    expect(cookies).toBe(8);
    expect(await eventually(() => control.status().sessions.active === 8)).toBe(true);

    // Refused changes change nothing: a rate in the closed model, fewer sessions than threads.
    await expect(control.update({ rate: 10 })).rejects.toBeInstanceOf(ControlConflictError);
    await expect(control.update({ sessions: 1 })).rejects.toThrow(ControlInvalidArgumentError);
    await expect(control.update({ sessions: 1 })).rejects.toThrow(/sessions: must be >= 2 in this run across 2 threads/);
    expect(control.status().sessions.target).toBe(8);

    // 8 -> 2: each thread keeps its lowest-numbered session (1 and 3); the others stop.
    await control.update({ sessions: 2 });
    expect(await eventually(() => control.status().sessions.active === 2)).toBe(true);
    await sleep(200);
    const stopped = requestsOf([2, 4, 5, 6, 7, 8]);
    const kept = requestsOf([1, 3]);
    await sleep(300);
    expect(requestsOf([2, 4, 5, 6, 7, 8])).toEqual(stopped);
    expect(requestsOf([1, 3]).every((n, i) => n > (kept[i] ?? 0))).toBe(true);

    // Pause: no request reaches the server; resume: they come again.
    expect((await control.update({ paused: true })).state).toBe('paused');
    await sleep(150);
    const whilePaused = total;
    await sleep(300);
    expect(total).toBe(whilePaused);
    expect((await control.update({ paused: false, log_level: 'error' })).state).toBe('running');
    expect(await eventually(() => total > whilePaused + 5)).toBe(true);

    // The status is the threads' sum (as of their latest snapshots); the report so far lists them running.
    const status = control.status();
    // The shape the OpenAPI document describes (generated from this schema), threads included.
    expect(runStatusSchema.safeParse(status).success).toBe(true);
    expect(status.log_level).toBe('error');
    expect(status.totals.requests).toBe(status.threads!.reduce((sum, t) => sum + t.requests, 0));
    expect(status.totals.requests).toBeGreaterThan(0);
    const sofar = control.report();
    expect(sofar.threads?.map((t) => t.ended)).toEqual(['running', 'running']);
    expect(sofar.total).toBe(sofar.threads!.reduce((sum, t) => sum + t.total, 0));

    expect(control.stop({ gracefulStopMs: 1_000 })).toEqual({ graceful_stop_ms: 1_000 });
    expect(control.status().state).toBe('stopping');
    await expect(control.update({ sessions: 4 })).rejects.toBeInstanceOf(ControlConflictError);
    const report = await running;
    expect(report.reason).toBe('stopped');
    expect(report.threads?.map((t) => [t.reason, t.ended])).toEqual([
      ['stopped', 'finished'],
      ['stopped', 'finished'],
    ]);
    expect(report.sessions).toEqual({ configured: 4, created: 8, failed_to_create: 0, preconnected: 4 });
    expect(report.total).toBe(total);
    expect(control.running).toBe(false);
  }, 40_000);

  it('gives every thread the whole run\'s new rate (each takes its share of the one schedule)', async () => {
    const control = new RunControl();
    const running = runThreads({ config: config({ rate: 20, number_of_sessions: 20 }), control, logMetrics: false });
    expect(await eventually(() => control.running, 10_000)).toBe(true);
    expect(control.status()).toMatchObject({ model: 'open', rate: 20 });
    const changed = await control.update({ rate: 300 });
    expect(changed.rate).toBe(300);
    await expect(control.update({ rate: 0 })).rejects.toThrow(/rate: must be > 0/);
    // Over a second at 300/s, far above what 20/s could give.
    const before = total;
    await sleep(1_000);
    expect(total - before).toBeGreaterThan(150);
    control.stop();
    const report = await running;
    expect(report.model).toBe('open');
    expect(report.reason).toBe('stopped');
  }, 40_000);
});
