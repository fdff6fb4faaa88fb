import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { LatencyHistogram } from '@session-engine/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type LiveSnapshot, type RunOptions } from '../src/index.js';
import { eventually, startServer, type TestServer } from './server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close();
});

/** A logger whose JSON lines are kept in memory. */
function memoryLogger(level: 'debug' | 'info' | 'warn' = 'warn') {
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
  return parseConfig({ target_url: server.url, number_of_sessions: 2, log_level: 'warn', ...overrides });
}

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - started };
}

describe('run(): redirects (config max_redirects)', () => {
  it('follows a redirect through the session by default, and reports the 302 itself with max_redirects 0', async () => {
    const target_url = `${server.url}/redirect?to=/`;
    const followed = await run({ config: config({ target_url, iterations: 4 }) });
    expect(followed).toMatchObject({ total: 4, success: 4, failed: 0, status_codes: { '200': 4 } });
    expect([server.requests('/redirect'), server.requests('/')]).toEqual([4, 4]);

    const returned = await run({ config: config({ target_url, iterations: 4, max_redirects: 0 }) });
    expect(returned).toMatchObject({ total: 4, success: 4, failed: 0, status_codes: { '302': 4 } });
    expect([server.requests('/redirect'), server.requests('/')]).toEqual([8, 4]);
  });

  it('fails a redirect loop as redirect_loop after max_redirects hops, never retried', async () => {
    const report = await run({ config: config({ target_url: `${server.url}/redirect`, iterations: 2, max_redirects: 2, max_retries: 3 }) });
    expect(report).toMatchObject({ total: 2, failed: 2, retries: 0, errors: { redirect_loop: 2 } });
    expect(server.requests('/redirect')).toBe(6);
  });
});

describe('run(): a run that completes', () => {
  it('runs the iteration budget and reports totals the server agrees with, with a timeline that adds up', async () => {
    const snapshots: LiveSnapshot[] = [];
    const { logger } = memoryLogger();
    const report = await run({
      config: config({ number_of_sessions: 4, iterations: 400, timeline_interval: '100ms' }),
      logger,
      onSnapshot: (snapshot) => snapshots.push(snapshot),
    });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 400, total: 400, success: 400, failed: 0, interrupted_iterations: 0 });
    expect(server.requests('/')).toBe(400);
    expect(report.timeline.length).toBeGreaterThan(0);
    expect(report.timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(report.total);
    expect(report.timeline.reduce((sum, entry) => sum + entry.iterations, 0)).toBe(report.iterations);
    expect(report.timeline.map((entry) => entry.t)).toEqual(report.timeline.map((_, i) => Math.round(i * 100) / 1000));
    // The report's histogram is the real one: decoding it gives the same count and percentiles.
    const decoded = LatencyHistogram.decode(report.latency.hdr).summary();
    expect(decoded.count).toBe(400);
    expect(report.latency.p95).toBeCloseTo(decoded.p95, 3);
    expect(report.latency.p95).toBeGreaterThanOrEqual(report.latency.p50);
    // The sessions' sockets are closed when run() returns.
    expect(await eventually(() => server.openSockets() === 0)).toBe(true);
    // One live snapshot per timeline tick (the last timeline entry is the final reading, not a tick).
    expect(snapshots).toHaveLength(report.timeline.length - 1);
    for (const snapshot of snapshots) expect(snapshot.metrics.total).toBeLessThanOrEqual(400);
  });

  it('hands onSnapshot one growing reading per timeline tick while the run goes', async () => {
    const snapshots: LiveSnapshot[] = [];
    const report = await run({
      config: config({ duration: '600ms', timeline_interval: '100ms' }),
      logger: memoryLogger().logger,
      onSnapshot: (snapshot) => snapshots.push(snapshot),
    });
    expect(report.reason).toBe('duration');
    expect(snapshots).toHaveLength(report.timeline.length - 1);
    // The run lasts several ticks (the exact count depends on the timers, not asserted).
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    const grows = (values: number[]): boolean => values.every((value, i) => i === 0 || value >= (values[i - 1] as number));
    expect(grows(snapshots.map((s) => s.elapsed_ms))).toBe(true);
    expect(grows(snapshots.map((s) => s.iterations))).toBe(true);
    expect(grows(snapshots.map((s) => s.metrics.total))).toBe(true);
    expect(snapshots.at(-1)!.metrics.total).toBeGreaterThan(0);
    expect(snapshots.at(-1)!.metrics.total).toBeLessThanOrEqual(report.total);
    expect(snapshots.every((s) => s.planned_ms === 600)).toBe(true);
  });

  it('runs a scenario with captures and reports steps in scenario order', async () => {
    const report = await run({
      config: config({
        iterations: 6,
        scenario: [
          { name: 'login', once: true, method: 'POST', path: '/login', capture: { token: { json: '$.token' } } },
          { name: 'home', path: '/?t={{token}}', expect_status: 200 },
        ],
      }),
      logger: memoryLogger().logger,
    });
    expect(report.failure_reasons).toEqual({});
    expect(Object.keys(report.steps)).toEqual(['login', 'home']);
    expect(report.steps['login']).toMatchObject({ total: 2, failed: 0 });
    expect(report.steps['home']).toMatchObject({ total: 6, failed: 0 });
    expect(report.steps['home']!.latency.hdr).toEqual(expect.any(String));
  });
});

describe('run(): a run always ends', () => {
  it('stops gracefully when its signal aborts, with the reason given', async () => {
    const controller = new AbortController();
    const running = run({ config: config({ duration: '60s' }), signal: controller.signal, logger: memoryLogger().logger });
    await eventually(() => server.requests() > 20);
    controller.abort('signal');
    const { value: report, ms } = await timed(running);
    expect(report.reason).toBe('signal');
    expect(ms).toBeLessThan(5_000);
    expect(report.total).toBe(server.requests('/'));
    expect(report.failed).toBe(0);
  });

  it('reports `aborted` for an abort reason that is not a stop reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user gave up'));
    const report = await run({ config: config({ duration: '60s' }), signal: controller.signal, logger: memoryLogger().logger });
    expect(report).toMatchObject({ reason: 'aborted', total: 0, iterations: 0 });
  });

  it('does not let a job that ignores its signal hold the run past graceful_stop', async () => {
    let started = 0;
    const job: RunOptions['job'] = async () => {
      started++;
      await sleep(60_000); // ignores ctx.signal
    };
    const { value: report, ms } = await timed(
      run({ config: config({ number_of_sessions: 3, duration: '200ms', graceful_stop: '300ms' }), job, logger: memoryLogger().logger }),
    );
    expect(started).toBe(3);
    expect(report).toMatchObject({ reason: 'duration', iterations: 3, interrupted_iterations: 3, failed_iterations: 0 });
    // 200 ms of run + 300 ms of grace + the forced close: far from the job's 60 s.
    expect(ms).toBeLessThan(5_000);
  });

  it('aborts requests still in flight at the deadline and counts them as interrupted', async () => {
    const { logger, text } = memoryLogger();
    const { value: report, ms } = await timed(
      run({ config: config({ number_of_sessions: 2, duration: '200ms', graceful_stop: '300ms', target_url: `${server.url}/slow?ms=30000` }), logger }),
    );
    expect(ms).toBeLessThan(5_000);
    expect(report).toMatchObject({ reason: 'duration', iterations: 2, interrupted_iterations: 2, total: 2, failed: 2 });
    expect(report.errors).toEqual({ interrupted: 2 });
    expect(report.failure_reasons).toEqual({});
    expect(text()).toMatch(/aborting 2 iteration\(s\) still in flight/);
    expect(await eventually(() => server.openSockets() === 0)).toBe(true);
  });

  it('lets iterations in flight at the stop finish every step within graceful_stop', async () => {
    const report = await run({
      config: config({
        number_of_sessions: 2,
        duration: '300ms',
        graceful_stop: '10s',
        scenario: [
          { name: 'slow', path: '/slow?ms=400' },
          { name: 'after', path: '/' },
        ],
      }),
      logger: memoryLogger().logger,
    });
    // Both sessions were inside `slow` at the stop: they finished it and `after`.
    expect(report).toMatchObject({ reason: 'duration', iterations: 2, interrupted_iterations: 0, failed_iterations: 0, failed: 0 });
    expect(report.steps['slow']).toMatchObject({ total: 2, failed: 0 });
    expect(report.steps['after']).toMatchObject({ total: 2, failed: 0 });
  });

  it('when graceful_stop runs out mid-scenario, cuts off the step in flight and runs no further step', async () => {
    const report = await run({
      config: config({
        number_of_sessions: 2,
        duration: '100ms',
        graceful_stop: '1s',
        scenario: [
          { name: 'first', path: '/slow?ms=300' },
          { name: 'second', path: '/slow?ms=20000' },
          { name: 'third', path: '/' },
        ],
      }),
      logger: memoryLogger().logger,
    });
    expect(report).toMatchObject({ reason: 'duration', iterations: 2, interrupted_iterations: 2, failed_iterations: 0 });
    expect(report.steps['first']).toMatchObject({ total: 2, failed: 0 });
    expect(report.steps['second']).toMatchObject({ total: 2, failed: 2 });
    expect(report.steps['third']).toBeUndefined();
    expect(report.errors).toEqual({ interrupted: 2 });
    expect(report.failure_reasons).toEqual({});
  });

  it('aborts requests in flight when the iteration budget is issued and graceful_stop runs out, with no retry', async () => {
    const report = await run({
      config: config({ number_of_sessions: 2, iterations: 2, graceful_stop: '300ms', target_url: `${server.url}/slow?ms=20000` }),
      logger: memoryLogger().logger,
    });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 2, interrupted_iterations: 2, total: 2, failed: 2, retries: 0 });
    expect(report.errors).toEqual({ interrupted: 2 });
    expect(report.failure_reasons).toEqual({});
    expect(server.requests('/slow')).toBe(2);
  });

  it('a job that listens to ctx.signal ends at the hard stop as interrupted', async () => {
    const job: RunOptions['job'] = async (_session, ctx) => {
      await sleep(60_000, undefined, { signal: ctx.signal });
    };
    const { value: report, ms } = await timed(
      run({ config: config({ number_of_sessions: 2, duration: '100ms', graceful_stop: '200ms' }), job, logger: memoryLogger().logger }),
    );
    expect(ms).toBeLessThan(5_000);
    expect(report).toMatchObject({ iterations: 2, interrupted_iterations: 2, failed_iterations: 0 });
  });

  it('stops at once on forceSignal with reason forced', async () => {
    const force = new AbortController();
    const running = run({ config: config({ duration: '60s', target_url: `${server.url}/slow?ms=30000` }), forceSignal: force.signal, logger: memoryLogger().logger });
    await eventually(() => server.requests() >= 2);
    force.abort();
    const { value: report, ms } = await timed(running);
    expect(ms).toBeLessThan(3_000);
    expect(report).toMatchObject({ reason: 'forced', interrupted_iterations: 2, errors: { interrupted: 2 } });
  });

  it('releases what it started when start-up fails (sessions, metrics server)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const script = join(dir, 'throws.mjs');
    writeFileSync(script, 'throw new Error("broken at import");\n');
    await expect(run({ config: config({ script }), logger: memoryLogger().logger })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SCRIPT_LOAD' });
    const empty = join(dir, 'proxies.txt');
    writeFileSync(empty, '# none\n');
    await expect(run({ config: config({ proxy_file: empty }), logger: memoryLogger().logger })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_NO_PROXIES' });
  });

  it('closes the metrics server it started', async () => {
    const { logger, text } = memoryLogger('info');
    await run({ config: config({ iterations: 5 }), metricsPort: 0, logger });
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(text())?.[1];
    expect(url).toBeDefined();
    await expect(fetch(url!)).rejects.toThrow();
  });

  it('rejects options it cannot use, with SE_ERR_RUNNER_INVALID_OPTIONS', async () => {
    await expect(run({} as RunOptions)).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_INVALID_OPTIONS' });
    await expect(run({ config: config({}), signal: 'stop' as unknown as AbortSignal })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_INVALID_OPTIONS' });
    await expect(run({ config: config({}), metricsPort: 70_000 })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_INVALID_OPTIONS' });
  });
});

describe('run(): secrets never reach a report or a log', () => {
  it('redacts a body with a password and an x-api-key header from the report and the logs', async () => {
    const { logger, text } = memoryLogger('debug');
    const report = await run({
      config: config({ iterations: 4, method: 'POST', body: 'user=a&password=hunter2', headers: { 'x-api-key': 'SECRET123' }, log_level: 'debug' }),
      logger,
    });
    expect(report.total).toBe(4);
    // The target did get them: redaction is for reports and logs only.
    expect(server.seen[0]).toMatchObject({ body: 'user=a&password=hunter2', headers: { 'x-api-key': 'SECRET123' } });
    const written = JSON.stringify(report) + text();
    expect(text().length).toBeGreaterThan(0);
    expect(written).not.toContain('hunter2');
    expect(written).not.toContain('SECRET123');
    expect(report.config).toMatchObject({ body: '[REDACTED]', headers: { 'x-api-key': '[REDACTED]' } });
  });

  it('masks URL credentials in the report target', async () => {
    const target = server.url.replace('http://', 'http://user:pa@ss@');
    const report = await run({ config: config({ target_url: target, iterations: 1 }), logger: memoryLogger().logger });
    expect(report.target).toBe(server.url.replace('http://', 'http://***:***@'));
    expect(JSON.stringify(report)).not.toContain('pa@ss');
  });
});
