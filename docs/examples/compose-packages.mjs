/**
 * An engine composed from the packages below the runner, for when run() does too much: sessions,
 * a worker pool and a scheduler, the runner's scenario job, and one Lifecycle that releases what
 * was started in reverse order. No graceful_stop deadline, timeline or report: run() adds those.
 *
 *   node apps/target-server/bin/target-server.js --port 8080 &
 *   node docs/examples/compose-packages.mjs http://127.0.0.1:8080
 */
import { loadConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { Metrics, formatSnapshotLine } from '@session-engine/metrics';
import { FailureReasons, Lifecycle, scenarioJob, withFailureReasons } from '@session-engine/runner';
import { Scheduler } from '@session-engine/scheduler';
import { SessionManager } from '@session-engine/session';
import { WorkerPool } from '@session-engine/worker-pool';

const config = await loadConfig({
  overrides: {
    target_url: process.argv[2] ?? 'http://127.0.0.1:8080',
    number_of_sessions: 20,
    iterations: 200,
    scenario: [
      { name: 'login', once: true, method: 'POST', path: '/login', json: { user: 'user-{{session_id}}' }, expect_status: 200 },
      { name: 'me', method: 'GET', path: '/api/me', expect_status: 200 },
    ],
  },
});
const logger = createLogger({ level: 'warn' });
const lifecycle = new Lifecycle(logger); // each component registers how it stops, as it starts

try {
  const metrics = new Metrics();
  const sessions = new SessionManager({ config, logger });
  lifecycle.onClose('sessions', () => sessions.stopAll()); // closed last: releases every socket
  const { errors } = await sessions.createSessions(config.number_of_sessions);
  if (errors.length > 0) throw errors[0];
  const pool = new WorkerPool({ workers: config.workers });
  pool.start();
  lifecycle.onClose('worker pool', () => pool.stop());
  const scheduler = new Scheduler({ sessions, pool, metrics, logger, config });
  lifecycle.onClose('scheduler', () => scheduler.stop()); // closed first

  const reasons = new FailureReasons(); // why iterations failed, grouped by message
  sessions.startAll();
  const summary = await scheduler.start(withFailureReasons(scenarioJob(config.scenario), reasons));
  console.log(`${summary.reason}: ${summary.iterations} iterations, ${summary.failed} failed, ${summary.interrupted} interrupted`);
  console.log(formatSnapshotLine(metrics.snapshot()));
  console.log('failure reasons', Object.fromEntries(reasons.counts));
} finally {
  await lifecycle.close(); // reverse order, each hook with a deadline, also after an error
}
