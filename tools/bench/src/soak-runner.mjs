#!/usr/bin/env node
/**
 * The engine under a long steady load, sampling its memory: composed as
 * engine-runner.mjs composes it (SessionManager + WorkerPool + Scheduler +
 * Metrics), run with `node --expose-gc`. Every `--sample` seconds it reads RSS
 * (`rssBeforeGc`: what the OS sees, garbage included), forces a full GC, reads
 * the heap, waits `--settle` ms for the freed pages to go back to the OS, reads
 * RSS and prints one JSON
 * line `{ "sample": { t, heapUsed, rss, rssBeforeGc, ... } }`; at the end one
 * `{ "result": ... }` line.
 *
 *   node --expose-gc soak-runner.mjs --url http://127.0.0.1:8080 --sessions 1000 --duration 300 [--rate 3000]
 *   node --expose-gc soak-runner.mjs ... --engine-from /tmp/soak-base   (another checkout's built packages)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/' },
    sessions: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '300' },
    rate: { type: 'string', default: '0' },
    sample: { type: 'string', default: '5' },
    // Sampling RSS right after gc() catches the freed pages still mapped (measured: 50-80 MB at 40k req/s).
    settle: { type: 'string', default: '500' },
    // A checkout whose built packages (packages/*/dist) are the engine to soak, e.g. the commit before a fix.
    'engine-from': { type: 'string' },
  },
});
if (!values.url) throw new Error('--url is required');
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const sessionsWanted = Number(values.sessions);
const durationS = Number(values.duration);
const rate = Number(values.rate);
const sampleMs = Number(values.sample) * 1000;
const settleMs = Number(values.settle);

/** A package of this workspace, or of the checkout given with --engine-from. */
function load(name) {
  if (values['engine-from'] === undefined) return import(`@session-engine/${name}`);
  return import(pathToFileURL(join(resolve(values['engine-from']), 'packages', name, 'dist', 'index.js')).href);
}

const [{ defaultConfig }, { Metrics }, { Scheduler }, { SessionManager }, { WorkerPool }] = await Promise.all(
  ['config', 'metrics', 'scheduler', 'session', 'worker-pool'].map(load),
);

const config = {
  ...defaultConfig(),
  target_url: values.url,
  number_of_sessions: sessionsWanted,
  workers: sessionsWanted,
  duration: Math.round(durationS * 1000),
  rate,
  log_level: 'warn',
};

function peakRssKiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const metrics = new Metrics();
const sessions = new SessionManager({ config });
const creation = await sessions.createSessions(sessionsWanted);
if (creation.errors.length > 0) throw creation.errors[0];
sessions.startAll();
const pool = new WorkerPool({ workers: config.workers });
pool.start();
const scheduler = new Scheduler({ sessions, pool, metrics, config });
const request = { path: values.path };

// Every session opens its connection first (64 at a time), so the soak starts in its steady state.
const ids = sessions.ids();
let next = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < ids.length) await sessions.get(ids[next++]).request(request);
  }),
);

const started = performance.now();
const samples = [];
const takeSample = async () => {
  const rssBeforeGc = process.memoryUsage.rss();
  // A full collection first: what is left is what the engine holds, not garbage not yet collected.
  gc();
  // The heap right after the collection: what the engine holds (the load keeps allocating during the settle).
  const { heapUsed } = process.memoryUsage();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const memory = process.memoryUsage();
  const snapshot = metrics.snapshot();
  const sample = {
    t: Math.round(performance.now() - started) / 1000,
    heapUsed,
    // What V8 keeps committed for the heap: with external memory, what RSS is made of.
    heapTotal: memory.heapTotal,
    rss: memory.rss,
    rssBeforeGc,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    requests: snapshot.total,
    errors: snapshot.failed,
    dropped: snapshot.dropped,
  };
  samples.push(sample);
  print({ sample });
};
takeSample();
const sampler = setInterval(takeSample, sampleMs);
const summary = await scheduler.start(async (_session, ctx) => {
  await ctx.request(request);
});
clearInterval(sampler);
const snapshot = metrics.snapshot();
await pool.stop();
await sessions.stopAll();
print({
  result: {
    model: rate > 0 ? 'open' : 'closed',
    sessions: creation.created,
    rate,
    durationS: (performance.now() - started) / 1000,
    requests: snapshot.total,
    errors: snapshot.failed,
    errorKinds: snapshot.errors,
    iterations: summary.iterations,
    dropped: summary.dropped,
    p50Ms: snapshot.latency.p50,
    p99Ms: snapshot.latency.p99,
    peakRssKiB: peakRssKiB(),
    samples: samples.length,
  },
});
process.exit(0);
