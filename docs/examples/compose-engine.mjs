/**
 * The engine as a library: load a config, run() it, read the report. run() composes every package
 * (sessions, worker pool, scheduler, metrics, timeline), always ends and always returns a report.
 * Start a target first, then:
 *
 *   node apps/target-server/bin/target-server.js --port 8080 &
 *   node docs/examples/compose-engine.mjs http://127.0.0.1:8080
 */
import { loadConfig } from '@session-engine/config';
import { formatSummary, run } from '@session-engine/runner';

const target = process.argv[2] ?? 'http://127.0.0.1:8080';

// defaults < SESSION_ENGINE_* environment < these overrides (written as in a config file).
const config = await loadConfig({
  overrides: {
    target_url: target,
    number_of_sessions: 20,
    iterations: 200, // the run stops once 200 iterations have started (and lets them finish)
    graceful_stop: '5s', // how long iterations in flight may take after a stop
    timeline_interval: '100ms', // one timeline entry per 100 ms (default 1s)
    log_level: 'warn',
    scenario: [
      { name: 'login', once: true, method: 'POST', path: '/login', json: { user: 'user-{{session_id}}' }, expect_status: 200 },
      { name: 'me', method: 'GET', path: '/api/me', expect_status: 200 },
    ],
  },
});

// Ctrl+C: a graceful stop (reason "signal"); a second Ctrl+C stops at once (reason "forced").
const stop = new AbortController();
const force = new AbortController();
process.once('SIGINT', () => {
  stop.abort('signal');
  process.once('SIGINT', () => force.abort());
});

const report = await run({ config, signal: stop.signal, forceSignal: force.signal, logMetrics: false });

console.log(`reason ${report.reason}, ${report.iterations} iterations (${report.failed_iterations} failed, ${report.interrupted_iterations} interrupted)`);
console.log(`requests ${report.total} = ${report.success} ok + ${report.failed} failed; steps`, Object.fromEntries(Object.entries(report.steps).map(([name, step]) => [name, step.total])));
console.log(`timeline: ${report.timeline.length} entries, their requests add up to ${report.timeline.reduce((sum, entry) => sum + entry.requests, 0)}`);
console.log(formatSummary(report));
