#!/usr/bin/env node
/**
 * The engine under load, in its own process, built from the published
 * packages the way a user composes them (SessionManager + WorkerPool +
 * Scheduler + Metrics). Prints one JSON line on stdout.
 *
 *   node engine-runner.mjs --url http://127.0.0.1:8080 --path / --sessions 50 --duration 5
 *   node engine-runner.mjs ... --rate 20000             (open model)
 *   node --expose-gc engine-runner.mjs --idle --url ... --sessions 10000   (memory)
 *
 * CPU is `process.cpuUsage()` over the load window only (every thread of the
 * process: V8's GC helpers included), so module loading and session
 * creation are not charged to requests, as autocannon's runner does too.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultConfig } from '@session-engine/config';
import { Metrics } from '@session-engine/metrics';
import { Scheduler } from '@session-engine/scheduler';
import { SessionManager } from '@session-engine/session';
import { WorkerPool } from '@session-engine/worker-pool';
import { startAllocationProfiler, startProfiler } from './profilers.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/' },
    sessions: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    rate: { type: 'string', default: '0' },
    conns: { type: 'string' },
    idle: { type: 'boolean', default: false },
    // Open model: connect every session before the load window.
    warm: { type: 'boolean', default: false },
    // Seconds of the same load before the window, into metrics of its own (config warmup does this in run()).
    warmup: { type: 'string', default: '0' },
    // Writes a .cpuprofile of the load window only (no module loading or session creation).
    'cpu-profile': { type: 'string' },
    // Writes a .heapprofile of every allocation in the load window (sampled; collected objects included).
    'alloc-profile': { type: 'string' },
  },
});
if (!values.url) throw new Error('--url is required');
const sessionsWanted = Number(values.sessions);
const durationS = Number(values.duration);
const rate = Number(values.rate);

const config = {
  ...defaultConfig(),
  target_url: values.url,
  number_of_sessions: sessionsWanted,
  workers: sessionsWanted,
  duration: Math.round(durationS * 1000),
  rate,
  log_level: 'warn',
  ...(values.conns ? { max_conns_per_host: Number(values.conns) } : {}),
};

function peakRssKiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

function openSockets() {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** One request per session, `width` at a time; resolves with how many failed. */
async function requestEach(sessions, request, width) {
  const ids = sessions.ids();
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < ids.length) {
        try {
          await sessions.get(ids[next++]).request(request);
        } catch {
          errors++;
        }
      }
    }),
  );
  return errors;
}

function print(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function runLoad() {
  const metrics = new Metrics();
  const sessions = new SessionManager({ config });
  const creation = await sessions.createSessions(sessionsWanted);
  if (creation.errors.length > 0) throw creation.errors[0];
  const pool = new WorkerPool({ workers: config.workers });
  pool.start();
  const scheduler = new Scheduler({ sessions, pool, metrics, config });
  sessions.startAll();

  // One request, no expectations: the same work autocannon and wrk do.
  const request = { path: values.path };
  if (rate > 0 && values.warm) {
    // Open model: every session opens its connection before the window (one request each, 64 at a
    // time), so the window measures the steady rate, not a storm of first connects (~0.4 ms CPU each).
    const errors = await requestEach(sessions, request, 64);
    if (errors > 0) throw new Error(`warm-up: ${errors} of ${sessions.count()} first requests failed`);
  }
  const job = async (_session, ctx) => {
    await ctx.request(request);
  };
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  if (warmupMs > 0) await new Scheduler({ sessions, pool, metrics: new Metrics(), config: { ...config, duration: warmupMs } }).start(job);

  const stopProfiler = values['cpu-profile']
    ? await startProfiler(values['cpu-profile'])
    : values['alloc-profile']
      ? await startAllocationProfiler(values['alloc-profile'])
      : undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const summary = await scheduler.start(job);
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await stopProfiler?.();
  const snapshot = metrics.snapshot();

  await scheduler.stop();
  await pool.stop();
  await sessions.stopAll();
  print({
    tool: 'engine',
    model: rate > 0 ? 'open' : 'closed',
    sessions: creation.created,
    requests: snapshot.total,
    errors: snapshot.failed,
    errorKinds: snapshot.errors,
    retries: snapshot.retries,
    iterations: summary.iterations,
    dropped: summary.dropped,
    elapsedS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    p50Ms: snapshot.latency.p50,
    p99Ms: snapshot.latency.p99,
    peakRssKiB: peakRssKiB(),
  });
}

/** Idle memory: N sessions, each after one request holding its keep-alive socket and one cookie. */
async function runIdle() {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
  const collect = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  };
  const request = { path: values.path };

  // Warm up: load undici's lazy parts (llhttp) and JIT the path with a
  // session that is then closed, so the baseline holds the fixed costs.
  const warm = new SessionManager({ config });
  await warm.createSessions(1);
  warm.startAll();
  for (const id of warm.ids()) await warm.get(id).request(request);
  await warm.stopAll();
  await collect();
  const before = process.memoryUsage();
  const socketsBefore = openSockets();

  // --alloc-profile here: where the memory still held per idle session was allocated.
  const stopProfiler = values['alloc-profile'] ? await startAllocationProfiler(values['alloc-profile'], { collected: false }) : undefined;
  const sessions = new SessionManager({ config });
  const creation = await sessions.createSessions(sessionsWanted);
  if (creation.errors.length > 0) throw creation.errors[0];
  sessions.startAll();
  const ids = sessions.ids();
  // Bounded fan-out: 10 000 simultaneous connects would only measure the SYN backlog.
  const errors = await requestEach(sessions, request, 256);
  await collect();
  await stopProfiler?.();
  const after = process.memoryUsage();
  const sockets = openSockets() - socketsBefore;
  let cookies = 0;
  for (const id of ids) cookies += (await sessions.get(id).cookieJar.getCookies(values.url)).length;
  const n = creation.created;
  print({
    tool: 'engine',
    model: 'idle',
    sessions: n,
    requests: n - errors,
    errors,
    sockets,
    cookies,
    rssBytes: after.rss - before.rss,
    heapBytes: after.heapUsed - before.heapUsed,
    externalBytes: after.external - before.external,
    rssPerSessionKiB: (after.rss - before.rss) / n / 1024,
    heapPerSessionKiB: (after.heapUsed - before.heapUsed) / n / 1024,
    totalRssKiB: Math.round(after.rss / 1024),
    peakRssKiB: peakRssKiB(),
  });
  await sessions.stopAll();
}

await (values.idle ? runIdle() : runLoad());
// Nothing should be left, but a stray timer must not hold the benchmark.
process.exit(0);
