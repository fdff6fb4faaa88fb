/**
 * `engine run`: flags and environment -> config -> `run()` -> output. The
 * engine itself (composition, scenarios, lifecycle, report) is
 * @session-engine/runner; this file only maps flags, draws progress, handles
 * signals and writes the report where it was asked for.
 */
import { accessSync, constants, statSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { loadConfig, parseThreshold, ThresholdError, type EngineConfig } from '@session-engine/config';
import { createLogger, type Logger, type LogLevel } from '@session-engine/logger';
import { formatSummary, openNdjsonSink, renderHtmlReport, runShard, runThreads, RunControl, SHARD_LATE_EXIT_CODE, type NdjsonSink, type RunReport } from '@session-engine/runner';
import { CliError } from './cli-error.js';
import { DEMO_DEFAULTS, demoTargetLine, startDemoTarget } from './demo.js';
import { LiveStatusLine, StatusAwareStream } from './progress.js';
import { shardFromConfig, shardOverrides, type ShardFlags } from './shard-flags.js';

export interface RunFlags extends ShardFlags {
  config?: string;
  target?: string;
  sessions?: number;
  workers?: number;
  threads?: string;
  duration?: string;
  iterations?: number;
  rate?: number;
  'proxy-file'?: string;
  header?: string[];
  method?: string;
  body?: string;
  script?: string;
  timeout?: string;
  retries?: number;
  'max-redirects'?: number;
  'graceful-stop'?: string;
  warmup?: string;
  insecure?: boolean;
  preconnect?: boolean;
  'log-level'?: string;
  json?: boolean;
  out?: string;
  html?: string;
  'metrics-port'?: number;
  'control-port'?: number;
  demo?: boolean;
  threshold?: string[];
  'out-ndjson'?: string;
  'session-state'?: string;
  'session-state-reset'?: boolean;
}

export interface RunEnvironment {
  version: string;
  env?: NodeJS.ProcessEnv;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  /** Where SIGINT/SIGTERM (and SIGHUP: reload the proxy file) come from; tests pass an EventEmitter. */
  signals?: NodeJS.EventEmitter;
}

/** Flag durations accept a bare number of seconds; the config wants units. */
export function flagDuration(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return `${trimmed}s`;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(trimmed)) {
    throw new CliError(`--${flag} "${value}" is not a duration; use a number with a unit, e.g. 30s, 250ms, 2m, 1h`, 'SE_ERR_CLI_FLAG');
  }
  return trimmed;
}

export function parseHeaders(values: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values ?? []) {
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon).trim() : '';
    if (!name || /[\s"(),/:;<=>?@[\\\]{}]/.test(name)) {
      throw new CliError(`--header "${raw}" is not a header; write it as "Name: value", e.g. -H "x-tenant: blue"`, 'SE_ERR_CLI_FLAG');
    }
    headers[name.toLowerCase()] = raw.slice(colon + 1).trim();
  }
  return headers;
}

/** `--threads`: a whole number >= 1 or "auto" (one per core). */
export function flagThreads(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().toLowerCase();
  if (trimmed === 'auto') return 'auto';
  if (/^\d+$/.test(trimmed) && Number(trimmed) >= 1) return Number(trimmed);
  throw new CliError(`--threads "${value}" is not a thread count; give a whole number >= 1 or auto (one per core), e.g. --threads 4`, 'SE_ERR_CLI_FLAG');
}

function overridesFrom(flags: RunFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) o[key] = value;
  };
  set('target_url', flags.target);
  set('number_of_sessions', flags.sessions);
  set('workers', flags.workers);
  set('threads', flagThreads(flags.threads));
  set('duration', flagDuration(flags.duration, 'duration'));
  set('iterations', flags.iterations);
  set('rate', flags.rate);
  set('proxy_file', flags['proxy-file']);
  set('method', flags.method?.toUpperCase());
  set('body', flags.body);
  set('script', flags.script);
  set('request_timeout', flagDuration(flags.timeout, 'timeout'));
  set('graceful_stop', flagDuration(flags['graceful-stop'], 'graceful-stop'));
  set('warmup', flagDuration(flags.warmup, 'warmup'));
  set('max_retries', flags.retries);
  set('max_redirects', flags['max-redirects']);
  set('insecure_tls', flags.insecure);
  set('preconnect', flags.preconnect);
  set('log_level', flags['log-level']);
  // Added to the file's and the environment's thresholds (loadConfig concatenates them).
  set('thresholds', flags.threshold);
  set('session_state', flags['session-state']);
  set('control_port', flags['control-port']);
  if (flags['session-state-reset'] === true) o['session_state_reset'] = true;
  return o;
}

/** `--threshold` expressions are checked first, so the error names the flag rather than a merged list index. */
export function checkThresholdFlags(expressions: readonly string[] | undefined): void {
  for (const expression of expressions ?? []) {
    try {
      parseThreshold(expression);
    } catch (error) {
      if (error instanceof ThresholdError) throw new CliError(`--threshold ${JSON.stringify(expression)}: ${error.message}`, error.code, { cause: error });
      throw error;
    }
  }
}

/** Exit code when a threshold was crossed (k6's, so CI scripts carry over). */
export const THRESHOLD_EXIT_CODE = 99;

/** Subjects that library messages may not name themselves, by error code prefix. */
const SUBJECTS: [prefix: string, what: string][] = [
  ['SE_ERR_CONFIG', 'invalid configuration'],
  ['SE_ERR_PROXY', 'invalid proxy file'],
];

/** Wraps a library error in a CliError, keeping its message (it already says what, where and how). */
function asCliError(error: unknown, fallback = 'engine run failed'): CliError {
  if (error instanceof CliError) return error;
  const raw = (error as { code?: unknown })?.code;
  const code = typeof raw === 'string' ? raw : 'SE_ERR_CLI';
  const message = error instanceof Error ? error.message : String(error);
  // The runner's and the session state's messages say what they are about themselves.
  if (code.startsWith('SE_ERR_RUNNER') || code.startsWith('SE_ERR_STATE_STORE')) return new CliError(message, code, { cause: error });
  const what = SUBJECTS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? fallback;
  // Library messages often name their subject already ("invalid configuration (2 problems): ...").
  const text = message.toLowerCase().startsWith(what.toLowerCase()) ? message : `${what}: ${message}`;
  return new CliError(text, code, { cause: error });
}

/**
 * `--out` (and `--html`) is checked before the first request: a report
 * nobody can write must not cost a whole run. The directory must exist and be
 * writable, and the path must not be a directory.
 */
export function checkOutPath(out: string, flag = '--out', example = 'report.json'): void {
  const path = resolve(out);
  const dir = dirname(path);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new CliError(`${flag} ${out}: directory ${dir} does not exist; create it or write the report elsewhere`, 'SE_ERR_CLI_OUT');
  try {
    if (statSync(path).isDirectory()) throw new CliError(`${flag} ${out} is a directory; give a file name, e.g. ${flag} ${join(out, example)}`, 'SE_ERR_CLI_OUT');
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Does not exist yet: fine.
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(`${flag} ${out}: directory ${dir} is not writable; choose a writable directory`, 'SE_ERR_CLI_OUT');
  }
}

export function writeAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/**
 * Runs the engine for `engine run`; resolves to the exit code (0 done, 1 bad
 * input, start-up failure or unwritable --out, 130 forced by a second signal).
 */
export async function runEngine(flags: RunFlags, environment: RunEnvironment): Promise<number> {
  const stdout = environment.stdout ?? process.stdout;
  const stderr = environment.stderr ?? process.stderr;
  const signals = environment.signals ?? process;
  const env = environment.env ?? process.env;

  const logOutput = new StatusAwareStream(stderr);
  const logger: Logger = createLogger({ level: (flags['log-level'] as LogLevel | undefined) ?? 'info', destination: logOutput });
  const debug = flags['log-level'] === 'debug';
  const graceful = new AbortController();
  const force = new AbortController();
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled += 1;
    if (signalled === 1) {
      logger.warn(`${signal} received: finishing in-flight iterations (send it again to stop at once)`);
      graceful.abort('signal');
    } else if (signalled === 2) {
      logger.error(`${signal} received again: stopping at once`);
      force.abort();
    }
  };
  let demo: Awaited<ReturnType<typeof startDemoTarget>> | undefined;
  let ndjson: NdjsonSink | undefined;
  let live: LiveStatusLine | undefined;
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  // SIGHUP re-reads the proxy file while the run goes on (and no longer ends the process).
  const control = new RunControl();
  let proxyFile = '';
  const onReload = (): void => {
    if (proxyFile === '') {
      logger.warn('SIGHUP received, but there is no proxy file to reload');
      return;
    }
    logger.info('SIGHUP received: reloading the proxy file', { file: proxyFile });
    // The runner logs the outcome (reloaded, or refused and the current list kept).
    control.reloadProxies().catch(() => undefined);
  };
  signals.on('SIGHUP', onReload);

  try {
    checkThresholdFlags(flags.threshold);
    const shardKeys = shardOverrides(flags);
    if (flags['out-ndjson'] !== undefined) checkOutPath(flags['out-ndjson'], '--out-ndjson', 'results.ndjson');
    if (flags.out !== undefined) checkOutPath(flags.out);
    if (flags.html !== undefined) checkOutPath(flags.html, '--html', 'report.html');

    // Configuration: defaults < file < env < flags (--demo adds its defaults under the flags).
    const overrides = { ...overridesFrom(flags), ...shardKeys };
    let targetLabel: string | undefined;
    if (flags.demo) {
      const server = await startDemoTarget();
      demo = server;
      targetLabel = `${server.url} (embedded demo target)`;
      logger.info('demo target server started in-process', { url: server.url });
      for (const [key, value] of Object.entries(DEMO_DEFAULTS)) if (!(key in overrides)) overrides[key] = value;
      if (flags.target) logger.warn('--target is ignored with --demo: the demo runs against its own server');
      overrides.target_url = server.url;
    }
    const extraHeaders = parseHeaders(flags.header);
    // Header maps merge by name across layers, so -H adds to the file's headers.
    if (Object.keys(extraHeaders).length > 0) overrides.headers = extraHeaders;
    let config: Readonly<EngineConfig>;
    try {
      config = await loadConfig({ ...(flags.config ? { file: flags.config } : {}), env, overrides });
    } catch (error) {
      throw asCliError(error, 'invalid configuration');
    }
    logger.setLevel(config.log_level);
    const shard = shardFromConfig(config, env);
    proxyFile = config.proxy_file;

    // Created (truncated) now, just before the run: each interval is appended as it ends.
    if (flags['out-ndjson'] !== undefined) {
      try {
        ndjson = openNdjsonSink(flags['out-ndjson']);
      } catch (error) {
        throw new CliError(`--out-ndjson ${flags['out-ndjson']}: ${error instanceof Error ? error.message : String(error)}`, 'SE_ERR_CLI_OUT', { cause: error });
      }
    }
    const sink = ndjson;

    // Progress: a live line on a terminal, the seed's metrics log line otherwise.
    const drawLive = stderr.isTTY === true && !flags.json;
    if (drawLive) {
      live = new LiveStatusLine(stderr);
      logOutput.live = live;
    }
    // One thread runs in this one; more split the run across worker threads and merge their reports.
    const runOptions: Parameters<typeof runThreads>[0] = {
      config,
      signal: graceful.signal,
      forceSignal: force.signal,
      control,
      logger,
      engine: environment.version,
      logMetrics: !drawLive,
      // Threads log to fd 2 themselves: their lines must clear the live line first.
      statusLine: drawLive,
      ...(targetLabel ? { targetLabel } : {}),
      ...(flags['metrics-port'] !== undefined ? { metricsPort: flags['metrics-port'] } : {}),
      // The control API (control_port): a generated token is shown once here, outside the log, and nowhere else.
      ...(env['SESSION_ENGINE_CONTROL_TOKEN'] ? { controlToken: env['SESSION_ENGINE_CONTROL_TOKEN'] } : {}),
      onControlApi: ({ url, token, generated }) => {
        if (generated) stderr.write(`control API token for ${url} (shown once; set SESSION_ENGINE_CONTROL_TOKEN to choose your own): ${token}\n`);
      },
      ...(sink !== undefined ? { onInterval: (entry) => sink.interval(entry) } : {}),
      ...(live
        ? {
            onSnapshot: (snapshot) =>
              live?.draw({
                phase: snapshot.phase,
                elapsedMs: snapshot.elapsed_ms,
                totalMs: snapshot.planned_ms,
                iterations: snapshot.iterations,
                plannedIterations: snapshot.planned_iterations,
                activeSessions: snapshot.metrics.active_sessions,
                currentRps: snapshot.metrics.current_rps,
                p99Ms: snapshot.metrics.latency.p99,
                total: snapshot.metrics.total,
                failed: snapshot.metrics.failed,
              }),
          }
        : {}),
    };
    // A shard runs its part of the whole run (engine report merge combines the shards' reports).
    const report: RunReport = shard !== undefined ? await runShard({ ...runOptions, ...shard }) : await runThreads(runOptions);
    live?.clear();
    live = undefined;
    if (demo !== undefined) logger.info(demoTargetLine(demo));

    // The report reaches stdout first; a failure to write --out cannot lose it.
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const text = flags.json ? json : formatSummary(report);
    // Files, pipes and terminals are written synchronously on Linux, so exiting right after loses nothing.
    stdout.write(text);
    // Each file is tried even when the other failed; one error names every failure.
    const unwritten: string[] = [];
    let cause: unknown;
    const write = (flag: string, path: string, render: () => string): void => {
      try {
        writeAtomic(path, render());
      } catch (error) {
        cause ??= error;
        unwritten.push(`could not write the ${flag === '--html' ? 'HTML report' : 'report'} to ${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (flags.out !== undefined) write('--out', flags.out, () => json);
    if (flags.html !== undefined) write('--html', flags.html, () => renderHtmlReport(report));
    // The last NDJSON line is the whole report.
    if (sink !== undefined) {
      try {
        sink.report(report);
      } catch (error) {
        cause ??= error;
        unwritten.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (unwritten.length > 0) throw new CliError(`${unwritten.join('; ')}; the report above is complete`, 'SE_ERR_CLI_OUT', { cause });
    if (report.reason === 'forced') return 130;
    // A thread crashed: the report holds what the others did, marked partial.
    if (report.partial !== undefined) return 1;
    return report.thresholds.some((threshold) => !threshold.ok) ? THRESHOLD_EXIT_CODE : 0;
  } catch (error) {
    live?.clear();
    const cliError = asCliError(error);
    logger.flush();
    stderr.write(`error: ${cliError.message}\n`);
    if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    // A shard too late for --start-at did not run: its own code, so a job runner can tell it from bad input.
    if (cliError.code === 'SE_ERR_RUNNER_SHARD_LATE') return SHARD_LATE_EXIT_CODE;
    return cliError.exitCode;
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    signals.off('SIGHUP', onReload);
    ndjson?.close();
    await demo?.close().catch(() => undefined);
    logger.flush();
  }
}
