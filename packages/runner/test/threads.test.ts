/**
 * runThreads() from the library: worker threads on a loopback server. The
 * threads together do the one-thread run's work (totals, session ids), the
 * live snapshots are the merged run, and the report lists each thread.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@session-engine/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runThreads, type LiveSnapshot, type TimelineEntry } from '../src/index.js';

let server: Server;
let url = '';
/** Requests by session cookie: the server hands each new client its own. */
const bySession = new Map<string, number>();
let next = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/fail') {
      res.writeHead(500).end('no');
      return;
    }
    const cookie = /sid=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie === undefined) {
      const sid = `s${++next}`;
      bySession.set(sid, 1);
      res.writeHead(200, { 'set-cookie': `sid=${sid}; Path=/` }).end('new');
      return;
    }
    bySession.set(cookie, (bySession.get(cookie) ?? 0) + 1);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('runThreads', () => {
  it('splits an iteration budget across threads: the totals are the budget, each session keeps its own cookie', async () => {
    bySession.clear();
    const snapshots: LiveSnapshot[] = [];
    const intervals: TimelineEntry[] = [];
    const report = await runThreads({
      config: parseConfig({ target_url: url, number_of_sessions: 6, iterations: 301, threads: 2, timeline_interval: '100ms', log_level: 'warn' }),
      logMetrics: false,
      onSnapshot: (snapshot) => snapshots.push(snapshot),
      onInterval: (entry) => intervals.push(entry),
    });
    expect(report).toMatchObject({ reason: 'iterations', iterations: 301, total: 301, success: 301, failed: 0 });
    expect(report.sessions).toEqual({ configured: 6, created: 6, failed_to_create: 0, preconnected: 6 });
    expect(report.threads).toEqual([
      expect.objectContaining({ thread: 0, sessions: 3, first_session: 1, iterations: 151, total: 151, ended: 'finished' }),
      expect.objectContaining({ thread: 1, sessions: 3, first_session: 4, iterations: 150, total: 150, ended: 'finished' }),
    ]);
    expect(report.partial).toBeUndefined();
    expect(report.config['threads']).toBe(2);
    // Six sessions, six cookies, every request after the first carried its session's own.
    expect(bySession.size).toBe(6);
    expect([...bySession.values()].reduce((a, b) => a + b, 0)).toBe(301);
    // The merged timeline adds up to the total, as one run's does; onInterval saw the same entries.
    expect(report.timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(301);
    expect(intervals.reduce((sum, entry) => sum + entry.requests, 0)).toBe(301);
    for (const snapshot of snapshots) expect(snapshot.metrics.total).toBeLessThanOrEqual(301);
  });

  it('gives each thread the configured young generation (thread_young_generation_mb)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-threads-'));
    const script = join(dir, 'young.mjs');
    // Fails its iteration unless it runs in a worker thread with the configured young generation.
    writeFileSync(
      script,
      "import { isMainThread, resourceLimits } from 'node:worker_threads';\n" +
        "export default async (session, context) => {\n" +
        "  if (isMainThread || resourceLimits.maxYoungGenerationSizeMb !== 96) throw new Error('young generation ' + resourceLimits.maxYoungGenerationSizeMb);\n" +
        "  await context.request({ path: '/' });\n};\n",
    );
    const config = parseConfig({ target_url: url, script, number_of_sessions: 2, iterations: 4, threads: 2, thread_young_generation_mb: 96, log_level: 'warn' });
    const report = await runThreads({ config, logMetrics: false });
    expect(report).toMatchObject({ iterations: 4, failed_iterations: 0, total: 4 });
  });

  it('an abort-on-fail threshold crossed over all threads stops every thread, also one whose own figures hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-threads-'));
    const script = join(dir, 'half-fail.mjs');
    // Thread 1 (sessions 4-6) only fails: 100% errors there, 0% in thread 0, 50% over the run.
    writeFileSync(script, "export default async (session, context) => { await context.request({ path: session.id >= 4 ? '/fail' : '/' }); };\n");
    const config = parseConfig({
      target_url: url,
      script,
      number_of_sessions: 6,
      duration: '30s',
      threads: 2,
      thresholds: ['error_rate<30%!'],
      timeline_interval: '100ms',
      max_retries: 0,
      log_level: 'error',
    });
    const report = await runThreads({ config, logMetrics: false });
    expect(report.reason).toBe('threshold');
    expect(report.duration).toBeLessThan(15);
    expect(report.threads?.map((row) => row.reason)).toEqual(['threshold', 'threshold']);
    expect(report.thresholds).toEqual([expect.objectContaining({ expr: 'error_rate<30%!', ok: false })]);
  });

  it('a thread blocked in its job (it never yields) is terminated after its duration and graceful_stop: the report is partial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-threads-'));
    const script = join(dir, 'spin.mjs');
    // Session 1 (thread 0) blocks its thread for good after 300 ms of load: no message, no timer runs there again.
    writeFileSync(
      script,
      "let t0;\nexport default async (session, context) => {\n  t0 ??= Date.now();\n  await context.request({ path: '/' });\n  if (session.id === 1 && Date.now() - t0 > 300) for (;;) {}\n};\n",
    );
    const config = parseConfig({ target_url: url, script, number_of_sessions: 4, duration: '1s', graceful_stop: '200ms', threads: 2, timeline_interval: '100ms', log_level: 'error' });
    const report = await runThreads({ config, logMetrics: false });
    expect(report.partial).toMatch(/thread 0 did not stop within graceful_stop \(200 ms\) \+ 5000 ms: terminated/);
    expect(report.threads?.map((row) => row.ended)).toEqual(['terminated', 'finished']);
    // Thread 0's figures up to its last snapshot are in the totals.
    expect(report.threads?.[0]?.total).toBeGreaterThan(0);
    expect(report.total).toBe(report.threads!.reduce((sum, row) => sum + row.total, 0));
  }, 30_000);

  it('rejects a job function (it cannot cross to a thread)', async () => {
    const config = parseConfig({ target_url: url, number_of_sessions: 4, iterations: 4, threads: 2 });
    await expect(runThreads({ config, job: () => undefined } as never)).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_INVALID_OPTIONS' });
  });

  it('keeps a session_state file across threads: the main thread writes every thread\'s sessions, the next run restores them', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'se-threads-state-')), 'state.json');
    const config = parseConfig({ target_url: url, number_of_sessions: 4, iterations: 40, threads: 2, session_state: state, log_level: 'warn' });
    bySession.clear();
    const first = await runThreads({ config, logMetrics: false });
    expect(first.threads?.map((row) => row.sessions)).toEqual([2, 2]);
    expect(first.session_state).toMatchObject({ kind: 'file', location: state, restored: 0, saved: 4, final_saved: true });
    expect(bySession.size).toBe(4);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, { cookies: { cookies: { key: string }[] } }> };
    expect(Object.keys(saved.sessions)).toEqual(['1', '2', '3', '4']);

    // The restored cookies: the server hands out no new session, and every request comes with a known one.
    const known = new Set(bySession.keys());
    const second = await runThreads({ config, logMetrics: false });
    expect(second.session_state).toMatchObject({ restored: 4, saved: 4, final_saved: true });
    expect([...bySession.keys()].every((sid) => known.has(sid))).toBe(true);
    expect([...bySession.values()].reduce((sum, n) => sum + n, 0)).toBe(80);
  }, 30_000);

  it('rejects a corrupt session_state file before any thread starts, with the store\'s code', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'se-threads-state-')), 'state.json');
    writeFileSync(state, '{"format": "session-engine/session-state", "version": 1, "sessions": []}');
    const config = parseConfig({ target_url: url, number_of_sessions: 4, iterations: 4, threads: 2, session_state: state, log_level: 'error' });
    await expect(runThreads({ config, logMetrics: false })).rejects.toMatchObject({ code: 'SE_ERR_STATE_STORE_CORRUPT' });
  });

  it('passes a thread start-up error on with its code', async () => {
    const config = parseConfig({ target_url: url, number_of_sessions: 4, iterations: 4, threads: 2, script: './no-such-job.mjs', log_level: 'error' });
    await expect(runThreads({ config, logMetrics: false })).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SCRIPT_NOT_FOUND' });
  });
});
