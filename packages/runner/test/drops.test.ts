/**
 * Failures are failures, drops are drops: in the open model, a target that
 * refuses every connection gives failed requests, not dropped starts. (Sessions
 * used to be benched after a few failed iterations, and the arrivals they could
 * have taken were counted as drops.)
 */
import { createServer } from 'node:net';
import { parseConfig } from '@session-engine/config';
import { describe, expect, it } from 'vitest';
import { run } from '../src/index.js';

/** A loopback port with nothing listening: connections to it are refused at once. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('run(): open model against a dead port', () => {
  it('reports about rate x duration failed requests (ECONNREFUSED) and no drops', async () => {
    const port = await deadPort();
    const report = await run({
      config: parseConfig({
        target_url: `http://127.0.0.1:${port}`,
        // Each session fails 5 times a second here: the old failure back-off benched them all within about 1 s.
        // 40 (not fewer) so that a catch-up burst after an event-loop stall on a busy machine finds idle sessions.
        number_of_sessions: 40,
        rate: 200,
        duration: '3s',
        max_retries: 0,
        log_level: 'warn',
      }),
    });
    expect(report.model).toBe('open');
    // 200 starts/s for 3 s; every one is an iteration that fails on a refused connection.
    expect(report.iterations).toBeGreaterThanOrEqual(580);
    expect(report.iterations).toBeLessThanOrEqual(601);
    expect(report.failed).toBe(report.iterations);
    expect(report.success).toBe(0);
    expect(report.errors).toEqual({ ECONNREFUSED: report.failed });
    // ~0: only a long stall of the event loop (a loaded CI machine) can make more than 40 starts due at once.
    // The old back-off dropped more than half of them here.
    expect(report.dropped).toBeLessThanOrEqual(6);
    expect(report.dropped_by_cause.pool_full).toBe(0);
    expect(report.iterations + report.dropped).toBeGreaterThanOrEqual(590);
  });
});
