/**
 * An engine composed from the session-engine packages alone, in the order `engine run` uses:
 * config -> logger -> proxies -> metrics -> sessions -> worker pool -> scheduler -> monitor -> signals,
 * and shut down in reverse. Start a target first, then:
 *
 *   node apps/target-server/bin/target-server.js --port 8080 &
 *   node docs/examples/compose-engine.mjs http://127.0.0.1:8080
 */
import { loadConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { Metrics, formatSnapshotLine } from '@session-engine/metrics';
import { ProxyManager } from '@session-engine/proxy';
import { SessionManager } from '@session-engine/session';
import { WorkerPool } from '@session-engine/worker-pool';
import { Scheduler } from '@session-engine/scheduler';

const target = process.argv[2] ?? 'http://127.0.0.1:8080';

// 1. Configuration: defaults < SESSION_ENGINE_* environment < these overrides (durations in file units).
const config = await loadConfig({
  overrides: { target_url: target, number_of_sessions: 20, duration: '3s', metrics_interval: '1s', log_level: 'info' },
});

// 2. Logger: JSON lines on stderr (pretty on a terminal), credentials redacted.
const logger = createLogger({ level: config.log_level });

// 3. Proxies: a list file if configured (SESSION_ENGINE_PROXY_FILE); no proxies = direct connections.
const proxies = config.proxy_file ? await ProxyManager.fromFile(config.proxy_file) : undefined;

// 4. Metrics: counters, HDR latency histograms, Prometheus text via metrics.prometheus().
const metrics = new Metrics();

// 5. Sessions: each with its own connections, cookie jar and proxy.
const sessions = new SessionManager({ config, logger, ...(proxies ? { proxies } : {}) });
const { created, errors } = await sessions.createSessions(config.number_of_sessions);
if (errors.length > 0) throw errors[0];

// 6. Worker pool: a fixed number of workers and a bounded queue (back-pressure).
const pool = new WorkerPool({ workers: config.workers });
pool.start();

// 7. Scheduler: closed model here (rate 0): every session runs the job back to back.
const scheduler = new Scheduler({ sessions, pool, metrics, logger, config });

// 8. Metrics monitor: the periodic log line.
const monitor = setInterval(() => logger.info(`metrics - ${formatSnapshotLine(metrics.snapshot())}`), config.metrics_interval);

// 9. Signals: Ctrl+C stops gracefully (in-flight requests finish, then the summary below).
process.once('SIGINT', () => void scheduler.stop());

sessions.startAll();
const summary = await scheduler.start(async (session, ctx) => {
  if (!session.variables.has('user')) {
    await ctx.request({ method: 'POST', path: '/login', json: { user: `u${session.id}` } }, { step: 'login', expectStatus: 200 });
    session.variables.set('user', `u${session.id}`);
  }
  const me = await ctx.request({ path: '/api/me' }, { step: 'me', expectStatus: 200 });
  if (me.json().user !== session.variables.get('user')) throw new Error('/api/me answered for another session');
});

// Shutdown in reverse: scheduler, pool drain, sessions (sockets released), final metrics.
await scheduler.stop();
await pool.stop();
await sessions.stopAll();
clearInterval(monitor);

const snapshot = metrics.snapshot();
console.log(`${summary.reason} after ${summary.iterations} iterations (${summary.failed} failed) with ${created} sessions`);
console.log(formatSnapshotLine(snapshot));
console.log('latency ms', { p50: snapshot.latency.p50, p99: snapshot.latency.p99 }, 'status', snapshot.status_codes);
console.log('steps', Object.fromEntries(Object.entries(snapshot.steps).map(([name, step]) => [name, step.total])));
