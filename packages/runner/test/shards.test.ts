/**
 * runShard() against a loopback server: shards side by side with one startAt
 * do the one-process run's work and merge into its totals; a shard ready too
 * late for startAt + maxStartLagMs rejects and sends nothing; a stop while
 * waiting for startAt ends the run without load. Assertions are on counts.
 */
import { parseConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeShardReports, run, runShard, ShardLateError } from '../src/index.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer;
const logger = createLogger({ level: 'error' });

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe('runShard', () => {
  it('three shards with one startAt add up to the one-process run, and merge into it', async () => {
    const config = parseConfig({ target_url: `${server.url}/`, number_of_sessions: 5, iterations: 61, log_level: 'error' });
    const before = server.requests();
    const startAt = new Date(Date.now() + 3_000);
    const reports = await Promise.all([0, 1, 2].map((index) => runShard({ config, shard: { index, count: 3 }, runId: 'r1', startAt, logger, logMetrics: false })));
    expect(server.requests() - before).toBe(61);
    expect(reports.map((report) => [report.shard.index, report.sessions.configured, report.iterations])).toEqual([
      [0, 2, 21],
      [1, 2, 20],
      [2, 1, 20],
    ]);
    for (const report of reports) {
      expect(Date.parse(report.started_at)).toBeGreaterThanOrEqual(startAt.getTime());
      // Waiting for startAt is not start-up: the 3 s waited would show; creating two sessions takes ms
      // (the margin is for a loaded machine).
      expect(report.startup).toBeLessThan(1.5);
      expect(report).toMatchObject({ run_id: 'r1', start_at: startAt.toISOString(), config_hash: reports[0]!.config_hash });
      // The whole run's config, not the shard's share.
      expect(report.config['number_of_sessions']).toBe(5);
    }
    const merged = mergeShardReports(reports);
    const one = await run({ config, logger, logMetrics: false });
    for (const report of [merged, one]) expect(report).toMatchObject({ iterations: 61, total: 61, success: 61, sessions: { configured: 5, created: 5 } });
  });

  it('a shard ready later than startAt + maxStartLagMs rejects with ShardLateError and sends nothing', async () => {
    const config = parseConfig({ target_url: `${server.url}/`, number_of_sessions: 2, duration: '5s', log_level: 'error' });
    const before = server.requests();
    const late = runShard({ config, shard: { index: 0, count: 2 }, startAt: new Date(Date.now() - 10_000), maxStartLagMs: 1_000, logger, logMetrics: false });
    await expect(late).rejects.toBeInstanceOf(ShardLateError);
    await expect(late).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SHARD_LATE', message: expect.stringMatching(/^shard 0\/2 was ready \d+ ms after --start-at/) });
    // With threads: every thread is stopped before it started, and the error is the same.
    const threaded = runShard({ config: { ...config, number_of_sessions: 4 }, threads: 2, shard: { index: 1, count: 2 }, startAt: new Date(Date.now() - 10_000), maxStartLagMs: 1_000, logger, logMetrics: false });
    await expect(threaded).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SHARD_LATE', message: expect.stringMatching(/^shard 1\/2 was ready/) });
    expect(server.requests()).toBe(before);
  });

  it('a stop while waiting for startAt ends the run without load', async () => {
    const config = parseConfig({ target_url: `${server.url}/`, number_of_sessions: 2, duration: '5s', log_level: 'error' });
    const before = server.requests();
    const stop = new AbortController();
    const running = runShard({ config, shard: { index: 1, count: 2 }, startAt: new Date(Date.now() + 600_000), signal: stop.signal, logger, logMetrics: false });
    setTimeout(() => stop.abort('signal'), 300);
    const report = await running;
    expect(report).toMatchObject({ reason: 'signal', total: 0, iterations: 0 });
    expect(server.requests()).toBe(before);
  });
});
