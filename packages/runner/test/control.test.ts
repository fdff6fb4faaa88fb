/**
 * Live control of a real run() against a loopback server: RunControl from a
 * program (no HTTP), and the control API that run() serves with
 * `control_port`. Assertions are on counts and states, never on timings.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import type { Job } from '@session-engine/scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlConflictError, ControlInvalidArgumentError, ControlNotRunningError, run, RunControl, type RunReport } from '../src/index.js';
import { eventually, startServer, type TestServer } from './server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

function memoryLogger(level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level, destination }), text: () => lines.join('') };
}

function config(overrides: Partial<ConfigInput> & Record<string, unknown>) {
  return parseConfig({ target_url: server.url, number_of_sessions: 2, log_level: 'info', duration: '30s', graceful_stop: '5s', ...overrides });
}

/** One request per iteration, then a short pause; records which sessions ran. */
function recordingJob(seen: Map<number, number>, pauseMs = 5): Job {
  return async (session, ctx) => {
    seen.set(session.id, (seen.get(session.id) ?? 0) + 1);
    await ctx.request({ path: '/' });
    await sleep(pauseMs);
  };
}

describe('RunControl from a program', () => {
  it('scales sessions up and down, pauses and resumes, refuses a rate in the closed model, stops with a report', async () => {
    const control = new RunControl();
    expect(() => control.status()).toThrow(ControlNotRunningError);
    const seen = new Map<number, number>();
    const { logger, text } = memoryLogger();
    const running = run({ config: config({}), job: recordingJob(seen), control, logger });
    expect(await eventually(() => control.running && seen.size === 2)).toBe(true);
    expect(control.status()).toMatchObject({ state: 'running', model: 'closed', rate: null, sessions: { target: 2 } });

    // Up: new sessions (new ids) get to work.
    const up = await control.update({ sessions: 5 });
    expect(up.sessions.target).toBe(5);
    expect(await eventually(() => [3, 4, 5].every((id) => (seen.get(id) ?? 0) > 2))).toBe(true);
    expect(await eventually(() => control.status().sessions.active === 5)).toBe(true);

    // Down: the highest-numbered stop taking iterations.
    await control.update({ sessions: 3 });
    expect(await eventually(() => control.status().sessions.active === 3)).toBe(true);
    await sleep(100);
    const four = seen.get(4);
    const five = seen.get(5);
    await sleep(200);
    expect([seen.get(4), seen.get(5)]).toEqual([four, five]);
    expect(seen.get(1)).toBeGreaterThan(0);

    // Refused changes change nothing.
    await expect(control.update({ rate: 10 })).rejects.toBeInstanceOf(ControlConflictError);
    await expect(control.update({ sessions: 0, log_level: 'debug' })).rejects.toThrow(ControlInvalidArgumentError);
    await expect(control.update({ sessions: 0 })).rejects.toThrow(/sessions: must be a whole number ≥ 1, e.g. 500; got 0/);
    expect(control.status().log_level).toBe('info');

    // Pause: once in-flight iterations are done, no request reaches the server.
    expect((await control.update({ paused: true })).state).toBe('paused');
    await sleep(100);
    const whilePaused = server.requests('/');
    await sleep(300);
    expect(server.requests('/')).toBe(whilePaused);
    await control.update({ paused: false, log_level: 'warn' });
    expect(await eventually(() => server.requests('/') > whilePaused + 10)).toBe(true);
    expect(control.status().log_level).toBe('warn');

    const sofar = control.report();
    expect(sofar.sessions).toEqual({ configured: 2, created: 5, failed_to_create: 0, preconnected: 2 });
    expect(control.stop({ gracefulStopMs: 2_000 })).toEqual({ graceful_stop_ms: 2_000 });
    expect(control.status().state).toBe('stopping');
    await expect(control.update({ sessions: 4 })).rejects.toBeInstanceOf(ControlConflictError);
    const report = await running;
    expect(report.reason).toBe('stopped');
    expect(report.sessions.created).toBe(5);
    expect(report.total).toBeGreaterThan(0);
    expect(control.running).toBe(false);
    expect(text()).toContain('sessions closed after scaling down');
  });

  it('changes the open-model rate', async () => {
    const control = new RunControl();
    const running = run({ config: config({ rate: 20, number_of_sessions: 10 }), job: recordingJob(new Map(), 0), control, logger: memoryLogger('warn').logger });
    expect(await eventually(() => control.running)).toBe(true);
    expect(control.status()).toMatchObject({ model: 'open', rate: 20 });
    const changed = await control.update({ rate: 200 });
    expect(changed.rate).toBe(200);
    await expect(control.update({ rate: 0 })).rejects.toThrow(/rate: must be > 0/);
    // Over a second at 200/s, well above what 20/s could give.
    const before = server.requests('/');
    await sleep(1_000);
    expect(server.requests('/') - before).toBeGreaterThan(100);
    control.stop();
    const report: RunReport = await running;
    expect(report.model).toBe('open');
  });

  it('refuses a session count in a closed-model run with stages (the stages set the active sessions)', async () => {
    const control = new RunControl();
    const running = run({ config: config({ stages: [{ duration: '30s', target: 2 }] }), job: recordingJob(new Map()), control, logger: memoryLogger('warn').logger });
    expect(await eventually(() => control.running)).toBe(true);
    await expect(control.update({ sessions: 4 })).rejects.toThrow(/ramps its active sessions through stages/);
    control.stop();
    await running;
  });
});

describe('run() with control_port', () => {
  it('serves the control API on loopback with the given token, which is never logged nor in the report', async () => {
    const token = 'library-token-abcdefghijklmnopqrstuvwxyz';
    const { logger, text } = memoryLogger('debug');
    let api: { url: string; token: string; generated: boolean } | undefined;
    const running = run({ config: config({ control_port: 0 }), job: recordingJob(new Map()), logger, controlToken: token, onControlApi: (value) => (api = value) });
    expect(await eventually(() => api !== undefined)).toBe(true);
    const { url } = api as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api?.generated).toBe(false);
    const headers = { authorization: `Bearer ${token}` };
    let status = await fetch(`${url}/v1/status`, { headers });
    for (let i = 0; i < 50 && status.status === 409; i++) {
      await sleep(20);
      status = await fetch(`${url}/v1/status`, { headers });
    }
    expect(status.status).toBe(200);
    expect(((await status.json()) as { state: string }).state).toBe('running');
    expect((await fetch(`${url}/v1/status`)).status).toBe(401);
    const patched = await fetch(`${url}/v1/run`, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ sessions: 3 }) });
    expect(((await patched.json()) as { sessions: { target: number } }).sessions.target).toBe(3);
    const stopped = await fetch(`${url}/v1/stop`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"graceful_stop":"1s"}' });
    expect(stopped.status).toBe(202);
    const report = await running;
    expect(report.reason).toBe('stopped');
    expect(text()).toContain('control API listening');
    expect(text()).not.toContain(token);
    expect(JSON.stringify(report)).not.toContain(token);
    // Closed with the run.
    await expect(fetch(`${url}/v1/status`, { headers })).rejects.toThrow();
  });
});
