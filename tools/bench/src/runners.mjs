/**
 * One benchmark run per call, each tool in its own process pinned to the
 * generator core. Every runner resolves with the same normalised record;
 * a failed run resolves too (with `failure`), so one bad run does not lose
 * the others.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPinned } from './pinned-process.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ENGINE_RUNNER = here('./engine-runner.mjs');
const AUTOCANNON_RUNNER = here('./autocannon-runner.mjs');
const NAIVE_RUNNER = here('./naive-runner.mjs');
const FLOOR_RUNNER = here('./floor-runner.mjs');
const THREADS_RUNNER = here('./threads-runner.mjs');
const CLI_BIN = here('../../../apps/cli/bin/run.js');

/** `wrk` version line, or undefined when wrk is not installed. */
export function findWrk() {
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (out.error) return undefined;
  const line = `${out.stdout}${out.stderr}`.split('\n').find((l) => l.startsWith('wrk'));
  // "wrk debian/4.1.0-3+b2 [epoll] Copyright ...": keep the name and version.
  return line ? line.replace(/\s+Copyright.*$/, '').trim() : 'wrk';
}

// wrk's report hook: the figures as JSON, latency in microseconds.
const WRK_REPORT_LUA = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** Writes wrk's Lua reporter into `dir` once and returns its path. */
export function writeWrkScript(dir) {
  const path = join(dir, 'report.lua');
  writeFileSync(path, WRK_REPORT_LUA);
  return path;
}

/** The last line of `stdout` that parses as a JSON object. */
export function lastJsonLine(stdout) {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not the report line
    }
  }
  return undefined;
}

/**
 * Converts wrk's Lua report into the common record.
 *
 * @param {{ requests: number; duration_us: number; connect: number; read: number; write: number; status: number; timeout: number; p50_us: number; p99_us: number }} r
 */
export function fromWrkReport(r, connections, cpuS, peakRssKiB) {
  return {
    tool: 'wrk',
    model: 'closed',
    sessions: connections,
    requests: r.requests,
    errors: r.connect + r.read + r.write + r.status + r.timeout,
    elapsedS: r.duration_us / 1e6,
    cpuS,
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    peakRssKiB,
  };
}

function failed(tool, run, why) {
  const tail = `${run.stderr}`.trim().split('\n').slice(-5).join(' | ');
  return { tool, failure: `${why}${run.timedOut ? ' (timed out)' : ''}; exit ${run.code ?? run.signal}: ${tail}` };
}

/** Adds the figures every record carries. */
function finish(record) {
  const rps = record.elapsedS > 0 ? record.requests / record.elapsedS : 0;
  const perCpu = record.cpuS > 0 ? record.requests / record.cpuS : 0;
  return { ...record, rps, reqPerCpuS: perCpu, cpuUsPerReq: record.requests > 0 ? (record.cpuS * 1e6) / record.requests : undefined };
}

const timeoutFor = (durationS, extraS = 60) => (durationS + extraS) * 1000;

/**
 * @param {{ core?: number; url: string; path: string; sessions: number; durationS: number; rate?: number; conns?: number; nodeFlags?: string[]; cpuProfile?: string }} o
 */
export async function runEngine(o) {
  const args = [
    ...(o.nodeFlags ?? []),
    o.runner ?? ENGINE_RUNNER,
    '--url', o.url,
    '--path', o.path,
    '--sessions', String(o.sessions),
    '--duration', String(o.durationS),
    ...(o.warmupS ? ['--warmup', String(o.warmupS)] : []),
    '--rate', String(o.rate ?? 0),
    ...(o.conns ? ['--conns', String(o.conns)] : []),
    ...(o.cpuProfile ? ['--cpu-profile', o.cpuProfile] : []),
    ...(o.warm ? ['--warm'] : []),
  ];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed('engine', run, 'engine runner failed');
  return finish(report);
}

/** @param {{ core?: number; url: string; sessions: number; conns?: number; path: string; nodeFlags?: string[] }} o */
export async function runEngineIdle(o) {
  const args = [
    ...(o.nodeFlags ?? []),
    '--expose-gc',
    ENGINE_RUNNER,
    '--idle',
    '--url', o.url,
    '--path', o.path,
    '--sessions', String(o.sessions),
    ...(o.conns ? ['--conns', String(o.conns)] : []),
  ];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: 300_000 });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed('engine', run, 'engine idle runner failed');
  return report;
}

/** @param {{ core?: number; url: string; path: string; sessions: number; durationS: number; rate?: number }} o */
export async function runAutocannon(o) {
  const args = [
    AUTOCANNON_RUNNER,
    '--url', `${o.url}${o.path}`,
    '--connections', String(o.sessions),
    '--duration', String(o.durationS),
    ...(o.warmupS ? ['--warmup', String(o.warmupS)] : []),
    '--rate', String(o.rate ?? 0),
  ];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed('autocannon', run, 'autocannon runner failed');
  return finish(report);
}

/**
 * The naive per-session undici + tough-cookie loop (closed model only): the
 * baseline the engine's own layers are measured against.
 *
 * @param {{ core?: number; url: string; path: string; sessions: number; durationS: number }} o
 */
export async function runNaive(o) {
  const args = [NAIVE_RUNNER, '--url', o.url, '--path', o.path, '--sessions', String(o.sessions), '--duration', String(o.durationS), ...(o.warmupS ? ['--warmup', String(o.warmupS)] : [])];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed('naive', run, 'naive runner failed');
  return finish(report);
}

/** undici's floor: a Client per connection and a do-nothing dispatch handler (a reference point, closed model). */
export async function runFloor(o) {
  const args = [FLOOR_RUNNER, '--url', o.url, '--path', o.path, '--sessions', String(o.sessions), '--duration', String(o.durationS), ...(o.warmupS ? ['--warmup', String(o.warmupS)] : [])];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed('floor', run, 'floor runner failed');
  return finish(report);
}

/**
 * The engine as `engine run --threads N` runs it: `runThreads()` of
 * @session-engine/runner with the config's default job, N worker threads in
 * one process (N = 1: `run()` in the main thread). CPU is every thread's.
 *
 * @param {{ core?: number; url: string; path: string; sessions: number; durationS: number; rate?: number; threads: number; youngMb?: number; nodeFlags?: string[] }} o
 */
export async function runThreadsTool(o) {
  const args = [
    ...(o.nodeFlags ?? []),
    THREADS_RUNNER,
    '--url', o.url,
    '--path', o.path,
    '--sessions', String(o.sessions),
    '--duration', String(o.durationS),
    ...(o.warmupS ? ['--warmup', String(o.warmupS)] : []),
    '--rate', String(o.rate ?? 0),
    '--threads', String(o.threads),
    ...(o.youngMb !== undefined ? ['--young-mb', String(o.youngMb)] : []),
  ];
  const tool = `threads-${o.threads}`;
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report) return failed(tool, run, 'threads runner failed');
  return finish(report);
}

/** @param {{ core?: number; url: string; path: string; sessions: number; durationS: number; luaScript: string }} o */
export async function runWrk(o) {
  const args = ['-t1', `-c${o.sessions}`, `-d${o.durationS}s`, '--timeout', '10s', '-s', o.luaScript, `${o.url}${o.path}`];
  const run = await runPinned({ core: o.core, command: 'wrk', args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  const report = lastJsonLine(run.stdout);
  if (run.code !== 0 || !report || run.cpuSeconds === undefined) return failed('wrk', run, 'wrk failed');
  return finish(fromWrkReport(report, o.sessions, run.cpuSeconds, run.peakRssKiB));
}

/**
 * The CLI as a user runs it (`engine run --json`). Its CPU comes from the
 * wrapper's `times`, so it includes start-up (module loading, config,
 * session creation): compare it with the engine runner to see that cost.
 *
 * @param {{ core?: number; url: string; path: string; sessions: number; durationS: number; rate?: number; bin?: string }} o
 *   `bin`: another checkout's `apps/cli/bin/run.js` (A/B against it).
 */
export async function runCli(o) {
  const args = [
    o.bin ?? CLI_BIN, 'run',
    '--target', `${o.url}${o.path}`,
    '--sessions', String(o.sessions),
    '--duration', `${o.durationS}s`,
    '--log-level', 'warn',
    '--json',
    ...(o.rate ? ['--rate', String(o.rate)] : []),
  ];
  const run = await runPinned({ core: o.core, command: process.execPath, args, timeoutMs: timeoutFor(o.durationS + (o.warmupS ?? 0)) });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    report = undefined;
  }
  if (run.code !== 0 || !report || run.cpuSeconds === undefined) return failed('cli', run, 'engine run --json failed');
  return finish({
    tool: 'cli',
    model: report.model,
    sessions: report.sessions.created,
    requests: report.total,
    errors: report.failed,
    dropped: report.dropped,
    elapsedS: report.duration,
    cpuS: run.cpuSeconds,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    peakRssKiB: run.peakRssKiB,
  });
}
