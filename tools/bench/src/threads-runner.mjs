#!/usr/bin/env node
/**
 * The engine as a library user runs it with `--threads N`: `runThreads()` of
 * @session-engine/runner (worker threads, each running `run()` on its share;
 * with N = 1, `run()` in this thread), with the config's default job (one
 * request to `target_url`). Prints one JSON line on stdout.
 *
 *   node threads-runner.mjs --url http://127.0.0.1:8080 --path / --sessions 1000 --duration 5 --threads 2 [--rate 20000] [--warmup 2]
 *
 * CPU is `process.cpuUsage()` (every thread of the process) from the moment
 * every thread is ready (`startGate`: modules loaded, sessions created) to the
 * report, so start-up is not charged to requests, as for the other runners;
 * the drain at the end and the report's merge are (a few ms).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultConfig } from '@session-engine/config';
import { runThreads } from '@session-engine/runner';
import { startAllocationProfiler, startProfiler } from './profilers.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/' },
    sessions: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    rate: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
    // The young generation of each worker thread (config thread_young_generation_mb); 0 = V8's default.
    'young-mb': { type: 'string' },
    // Seconds of load before the window (config warmup), not in the figures; it is before startGate, so not in cpuS either.
    warmup: { type: 'string', default: '0' },
    // Writes a .cpuprofile of the main thread's load window (with --threads 1, the whole engine).
    'cpu-profile': { type: 'string' },
    // Writes a .heapprofile of every allocation in the main thread's load window (sampled).
    'alloc-profile': { type: 'string' },
  },
});
if (!values.url) throw new Error('--url is required');
const sessions = Number(values.sessions);
const threads = Number(values.threads);

const config = {
  ...defaultConfig(),
  target_url: new URL(values.path, values.url).href,
  number_of_sessions: sessions,
  workers: sessions,
  duration: Math.round(Number(values.duration) * 1000),
  rate: Number(values.rate),
  threads,
  log_level: 'warn',
  ...(values['young-mb'] !== undefined ? { thread_young_generation_mb: Number(values['young-mb']) } : {}),
  warmup: Math.round(Number(values.warmup) * 1000),
};

let cpuBefore;
let stopProfiler;
const report = await runThreads({
  config,
  threads,
  logMetrics: false,
  startGate: async () => {
    if (values['cpu-profile']) stopProfiler = await startProfiler(values['cpu-profile']);
    else if (values['alloc-profile']) stopProfiler = await startAllocationProfiler(values['alloc-profile']);
    cpuBefore = process.cpuUsage();
  },
});
const cpu = process.cpuUsage(cpuBefore);
await stopProfiler?.();
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));

process.stdout.write(
  `${JSON.stringify({
    tool: `threads-${threads}`,
    model: report.model,
    sessions: report.sessions.created,
    threads: report.threads?.length ?? 1,
    requests: report.total,
    errors: report.failed,
    dropped: report.dropped,
    ...(report.warmup ? { warmup: report.warmup } : {}),
    elapsedS: report.duration,
    cpuS: (cpu.user + cpu.system) / 1e6,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    peakRssKiB: m ? Number(m[1]) : undefined,
  })}\n`,
);
// Worker threads are gone by now; exit without waiting for anything a library left referenced.
process.exit(0);
