/**
 * Config `warmup`: load before the window, on a loopback server that counts
 * every request it got. The warm-up's requests reach the server and are in
 * the report's `warmup` block, and in no other figure.
 */
import { Writable } from 'node:stream';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSummary, run, RunControl, runThreads, type LiveSnapshot } from '../src/index.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close();
});

function config(overrides: Partial<ConfigInput> & Record<string, unknown>) {
  return parseConfig({ target_url: server.url, number_of_sessions: 3, log_level: 'warn', timeline_interval: '100ms', ...overrides });
}

describe('warmup', () => {
  it('runs the load before the window: the target gets those requests, the report counts them only under warmup', async () => {
    const report = await run({ config: config({ iterations: 40, warmup: '300ms', thresholds: ['total<=40'] }), logMetrics: false });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 40, total: 40, success: 40, failed: 0 });
    expect(report.warmup).toMatchObject({ failed: 0, dropped: 0 });
    const warmup = report.warmup!;
    expect(warmup.requests).toBeGreaterThan(0);
    expect(warmup.iterations).toBe(warmup.requests);
    expect(warmup.duration).toBeGreaterThanOrEqual(0.3);
    // Every request the server got is in exactly one of the two.
    expect(server.requests()).toBe(report.total + warmup.requests);
    // The window's own figures: the timeline adds up to the total, thresholds see the window only.
    expect(report.timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(40);
    expect(report.latency.count).toBe(40);
    expect(report.thresholds).toEqual([expect.objectContaining({ expr: 'total<=40', ok: true })]);
    // Part of startup, which is everything before the window.
    expect(report.startup).toBeGreaterThanOrEqual(warmup.duration);
    expect(formatSummary(report)).toMatch(/warm-up\s+0\.\d+ s before the window \(part of startup\): [\d,]+ requests \(0 failed\), counted in no other figure/);
  });

  it('open model: the warm-up runs the schedule at its rate, and the window starts its schedule afresh', async () => {
    const report = await run({ config: config({ rate: 100, duration: '500ms', warmup: '500ms', number_of_sessions: 4 }), logMetrics: false });
    const warmup = report.warmup!;
    // 50 arrivals at 100/s in each; loopback answers long before the next one is due.
    expect(warmup.iterations).toBeGreaterThanOrEqual(45);
    expect(warmup.iterations).toBeLessThanOrEqual(51);
    expect(report.iterations).toBeGreaterThanOrEqual(45);
    expect(report.iterations).toBeLessThanOrEqual(51);
    expect(server.requests()).toBe(report.total + warmup.requests);
  });

  it('sessions keep what the warm-up gave them: a once step (the login) done there is not done again in the window', async () => {
    const scenario = [
      { name: 'login', path: '/login', once: true },
      { name: 'page', path: '/page' },
    ];
    const report = await run({ config: config({ scenario, iterations: 12, warmup: '300ms' }), logMetrics: false });
    expect(report).toMatchObject({ iterations: 12, failed_iterations: 0 });
    // Three sessions, three logins, all in the warm-up.
    expect(server.requests('/login')).toBe(3);
    expect(report.steps['login']).toBeUndefined();
    expect(report.steps['page']?.total).toBe(12);
    expect(server.requests('/page')).toBe(12 + report.warmup!.requests - 3);
  });

  it('without warmup (the default) the report has no warmup block', async () => {
    const report = await run({ config: config({ iterations: 5 }), logMetrics: false });
    expect(report.warmup).toBeUndefined();
    expect(server.requests()).toBe(5);
    expect(formatSummary(report)).not.toMatch(/warm-up/);
  });

  it('a stop during the warm-up ends the run there: no window, and the report still says what the warm-up did', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('signal'), 200);
    const report = await run({ config: config({ duration: '30s', warmup: '30s' }), signal: controller.signal, logMetrics: false });
    expect(report).toMatchObject({ reason: 'signal', total: 0, iterations: 0 });
    expect(report.warmup!.requests).toBeGreaterThan(0);
    expect(report.warmup!.duration).toBeLessThan(30);
    expect(server.requests()).toBe(report.warmup!.requests);
  });

  it('a stop during the warm-up still ends within graceful_stop when its iterations hang, and reports', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('signal'), 200);
    const config = parseConfig({ target_url: `${server.url}/slow?ms=20000`, number_of_sessions: 2, log_level: 'warn', duration: '30s', warmup: '30s', graceful_stop: '300ms' });
    const startedMs = performance.now();
    const report = await run({ config, signal: controller.signal, logMetrics: false });
    // graceful_stop for the warm-up's iterations, then the run's own hard stop: far below the 20 s the requests would take.
    expect(performance.now() - startedMs).toBeLessThan(10_000);
    expect(report).toMatchObject({ reason: 'signal', total: 0 });
    expect(report.warmup!.iterations).toBe(2);
  });

  it('a forced stop during the warm-up gives up on iterations that never end (a job ignoring ctx.signal) and reports', async () => {
    const graceful = new AbortController();
    const force = new AbortController();
    setTimeout(() => graceful.abort('signal'), 200);
    setTimeout(() => force.abort(), 400);
    const config = parseConfig({ target_url: server.url, number_of_sessions: 2, log_level: 'warn', duration: '30s', warmup: '30s', graceful_stop: '30s' });
    const never = (): Promise<void> => new Promise<void>(() => undefined);
    const startedMs = performance.now();
    const report = await run({ config, job: never, signal: graceful.signal, forceSignal: force.signal, logMetrics: false });
    expect(performance.now() - startedMs).toBeLessThan(10_000);
    expect(report).toMatchObject({ reason: 'forced', total: 0 });
    expect(report.warmup!.iterations).toBe(2);
  });

  it('live snapshots say phase warmup, with the warm-up figures alone, until the window starts them afresh', async () => {
    const seen: LiveSnapshot[] = [];
    const report = await run({ config: config({ duration: '500ms', warmup: '500ms' }), onSnapshot: (s) => seen.push(s), logMetrics: false });
    const warming = seen.filter((s) => s.phase === 'warmup');
    const load = seen.filter((s) => s.phase === 'load');
    expect(warming.length).toBeGreaterThanOrEqual(2);
    expect(load.length).toBeGreaterThanOrEqual(2);
    // All warm-up readings come first; none is in the window's.
    expect(seen.findIndex((s) => s.phase === 'load')).toBe(warming.length);
    expect(warming.every((s) => s.planned_ms === 500 && s.planned_iterations === 0)).toBe(true);
    expect(warming.at(-1)!.metrics.total).toBeGreaterThan(0);
    expect(warming.at(-1)!.metrics.total).toBeLessThanOrEqual(report.warmup!.requests);
    // The window counts from zero: its readings never exceed its own total.
    expect(load[0]!.metrics.total).toBeLessThanOrEqual(report.total);
    expect(load.at(-1)!.metrics.total).toBeLessThanOrEqual(report.total);
    expect(load.every((s) => s.planned_ms === 500)).toBe(true);
  });

  it.each([1, 2])('logs the metrics line during the warm-up, marked not kept; the window line starts from zero (threads: %i)', async (threads) => {
    const messages: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) messages.push((JSON.parse(line) as { msg: string }).msg);
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination, pretty: false });
    const report = await runThreads({ config: config({ threads, duration: '500ms', warmup: '500ms', metrics_interval: '100ms', number_of_sessions: 4 }), logger });
    const totalOf = (message: string): number => Number(/total: (\d+)/.exec(message)![1]);
    const warming = messages.filter((m) => m.startsWith('warm-up metrics (not kept) - total: '));
    const window = messages.filter((m) => m.startsWith('metrics - total: '));
    expect(warming.length, messages.join('\n')).toBeGreaterThanOrEqual(2);
    expect(window.length, messages.join('\n')).toBeGreaterThanOrEqual(2);
    expect(messages.indexOf(window[0]!)).toBeGreaterThan(messages.indexOf(warming.at(-1)!));
    expect(totalOf(warming.at(-1)!)).toBeGreaterThan(0);
    expect(totalOf(warming.at(-1)!)).toBeLessThanOrEqual(report.warmup!.requests);
    for (const line of window) expect(totalOf(line)).toBeLessThanOrEqual(report.total);
  });

  it.each([1, 2])('live control during the warm-up: status warming_up with its figures, changes refused, a stop ends the run there (threads: %i)', async (threads) => {
    const control = new RunControl();
    const running = runThreads({ config: config({ threads, number_of_sessions: 4, duration: '30s', warmup: '30s' }), control, logMetrics: false });
    await expect.poll(() => (control.running ? control.status().totals.requests : 0), { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
    const status = control.status();
    expect(status).toMatchObject({ state: 'warming_up', model: 'closed', planned_ms: 30_000, sessions: { target: 4 } });
    await expect(control.update({ paused: true })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_CONTROL_CONFLICT', message: expect.stringMatching(/warming up.*stop/) });
    expect(() => control.report()).toThrow(expect.objectContaining({ code: 'SE_ERR_RUNNER_CONTROL_CONFLICT' }));
    expect(control.stop({ gracefulStopMs: 2_000 })).toEqual({ graceful_stop_ms: 2_000 });
    const report = await running;
    expect(report).toMatchObject({ reason: 'stopped', total: 0, iterations: 0 });
    expect(report.warmup!.requests).toBeGreaterThanOrEqual(status.totals.requests);
    expect(server.requests()).toBe(report.warmup!.requests);
  });

  it('live control stays on the warm-up while the run waits at its start gate (a shard waiting for --start-at): no gap', async () => {
    const control = new RunControl();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = false;
    const startGate = (): Promise<void> => ((waiting = true), gate);
    const running = run({ config: config({ duration: '30s', warmup: '200ms' }), control, startGate, logMetrics: false });
    await expect.poll(() => waiting, { timeout: 10_000, interval: 20 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(control.running).toBe(true);
    expect(control.status()).toMatchObject({ state: 'warming_up', planned_ms: 200 });
    release();
    await expect.poll(() => control.status().state, { timeout: 10_000, interval: 20 }).toBe('running');
    control.stop();
    expect((await running).reason).toBe('stopped');
  });

  it('live control steers the window once the warm-up is over', async () => {
    const control = new RunControl();
    const running = run({ config: config({ duration: '30s', warmup: '300ms' }), control, logMetrics: false });
    await expect.poll(() => control.running && control.status().state === 'running', { timeout: 10_000, interval: 50 }).toBe(true);
    control.stop();
    const report = await running;
    expect(report.reason).toBe('stopped');
    expect(report.total).toBeGreaterThan(0);
  });

  it('with threads, each thread warms up its share; the merged warmup block adds them up', async () => {
    const seen: LiveSnapshot[] = [];
    const report = await runThreads({
      // An abort-on-fail threshold the warm-up's own total would cross: only the window's figures reach it.
      config: config({ iterations: 60, warmup: '300ms', threads: 2, number_of_sessions: 4, thresholds: [{ threshold: 'total<=60', abort_on_fail: true }] }),
      onSnapshot: (s) => seen.push(s),
      logMetrics: false,
    });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 60, total: 60, failed: 0 });
    // The main thread's progress during the warm-up: both threads' warm-ups merged, marked as such.
    const warming = seen.filter((s) => s.phase === 'warmup');
    expect(warming.length).toBeGreaterThan(0);
    expect(warming.at(-1)!.metrics.total).toBeGreaterThan(60);
    expect(seen.slice(0, warming.length).every((s) => s.phase === 'warmup')).toBe(true);
    expect(warming.at(-1)!.metrics.total).toBeLessThanOrEqual(report.warmup!.requests);
    expect(seen.filter((s) => s.phase === 'load').every((s) => s.metrics.total <= 60)).toBe(true);
    expect(report.threads).toHaveLength(2);
    const warmup = report.warmup!;
    expect(warmup.requests).toBeGreaterThan(0);
    expect(server.requests()).toBe(60 + warmup.requests);
  });
});
