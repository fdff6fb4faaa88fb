/**
 * `engine run`: the composition root. Wires the packages in the seed's order
 * (logger, config, proxy manager, metrics, session manager, worker pool,
 * scheduler, metrics monitor, signal handling) and shuts down in reverse
 * (scheduler, pool drain, sessions, final metrics).
 */
import { writeFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { loadConfig, redactConfig, type EngineConfig } from '@session-engine/config';
import { redactUrl } from '@session-engine/logger';
import { createLogger, type Logger, type LogLevel } from '@session-engine/logger';
import { Metrics, formatSnapshotLine } from '@session-engine/metrics';
import { ProxyManager } from '@session-engine/proxy';
import { WorkerPool } from '@session-engine/worker-pool';
import { SessionManager } from '@session-engine/session';
import { Scheduler, type Job } from '@session-engine/scheduler';
import { CliError } from './cli-error.js';
import { DEMO_DEFAULTS, startDemoTarget } from './demo.js';
import { defaultJob, FailureReasons, loadScriptJob, scenarioJob, stepName, withFailureReasons } from './jobs.js';
import { startMetricsServer, type RunningMetricsServer } from './metrics-server.js';
import { LiveStatusLine, StatusAwareStream } from './progress.js';
import { buildReport, type RunReport, type StopReason } from './report.js';
import { formatSummary } from './summary.js';

export interface RunFlags {
  config?: string;
  target?: string;
  sessions?: number;
  workers?: number;
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
  insecure?: boolean;
  'log-level'?: string;
  json?: boolean;
  out?: string;
  'metrics-port'?: number;
  demo?: boolean;
}

export interface RunEnvironment {
  version: string;
  env?: NodeJS.ProcessEnv;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  /** Where SIGINT/SIGTERM come from; tests pass an EventEmitter. */
  signals?: NodeJS.EventEmitter;
  /** Called on a second signal after the partial report is written. */
  forceExit?: (code: number) => void;
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

function overridesFrom(flags: RunFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) o[key] = value;
  };
  set('target_url', flags.target);
  set('number_of_sessions', flags.sessions);
  set('workers', flags.workers);
  set('duration', flagDuration(flags.duration, 'duration'));
  set('iterations', flags.iterations);
  set('rate', flags.rate);
  set('proxy_file', flags['proxy-file']);
  set('method', flags.method?.toUpperCase());
  set('body', flags.body);
  set('script', flags.script);
  set('request_timeout', flagDuration(flags.timeout, 'timeout'));
  set('max_retries', flags.retries);
  set('insecure_tls', flags.insecure);
  set('log_level', flags['log-level']);
  return o;
}

/** Wraps a library error in a CliError, keeping its message (it already says what, where and how). */
function asCliError(error: unknown, what: string): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Library messages often name their subject already ("invalid configuration (2 problems): ...").
  const text = message.toLowerCase().startsWith(what.toLowerCase()) ? message : `${what}: ${message}`;
  return new CliError(text, typeof code === 'string' ? code : 'SE_ERR_CLI', { cause: error });
}

function writeAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, path);
}

interface Closable {
  close(): Promise<void> | void;
}

export async function runEngine(flags: RunFlags, environment: RunEnvironment): Promise<number> {
  const stdout = environment.stdout ?? process.stdout;
  const stderr = environment.stderr ?? process.stderr;
  const signals = environment.signals ?? process;
  const env = environment.env ?? process.env;
  const forceExit = environment.forceExit ?? ((code: number) => process.exit(code));

  // 1. Logger first, so every later step can report through it.
  const logOutput = new StatusAwareStream(stderr);
  const logger: Logger = createLogger({
    level: (flags['log-level'] as LogLevel | undefined) ?? 'info',
    destination: logOutput,
  });
  const debug = flags['log-level'] === 'debug';
  const cleanups: Closable[] = [];

  try {
    // 2. Configuration: defaults < file < env < flags (--demo adds its defaults under the flags).
    let demoUrl: string | undefined;
    const overrides = overridesFrom(flags);
    if (flags.demo) {
      const demo = await startDemoTarget();
      cleanups.push(demo);
      demoUrl = demo.url;
      logger.info('demo target server started in-process', { url: demo.url });
      const demoBase: Record<string, unknown> = {
        target_url: demo.url,
        number_of_sessions: DEMO_DEFAULTS.number_of_sessions,
        duration: DEMO_DEFAULTS.duration,
        scenario: DEMO_DEFAULTS.scenario,
      };
      for (const [key, value] of Object.entries(demoBase)) if (!(key in overrides)) overrides[key] = value;
      if (flags.target) logger.warn('--target is ignored with --demo: the demo runs against its own server');
      overrides.target_url = demo.url;
    }
    let config: Readonly<EngineConfig>;
    try {
      const extraHeaders = parseHeaders(flags.header);
      // Header maps merge by name across layers, so -H adds to the file's headers.
      if (Object.keys(extraHeaders).length > 0) overrides.headers = extraHeaders;
      config = await loadConfig({ ...(flags.config ? { file: flags.config } : {}), env, overrides });
    } catch (error) {
      throw asCliError(error, 'invalid configuration');
    }
    logger.setLevel(config.log_level);
    if (!config.target_url && !config.script) {
      throw new CliError(
        'no target: pass --target <url>, set "target_url" in the config file or SESSION_ENGINE_TARGET_URL, or try --demo',
        'SE_ERR_CLI_NO_TARGET',
      );
    }

    // 3. Proxy manager (empty = direct connections).
    let proxies: ProxyManager | undefined;
    if (config.proxy_file) {
      try {
        proxies = await ProxyManager.fromFile(config.proxy_file);
      } catch (error) {
        throw asCliError(error, 'invalid proxy file');
      }
      if (proxies.count() === 0) {
        throw new CliError(
          `proxy file ${config.proxy_file} lists no proxies; add one per line (http://host:port, socks5://user:pass@host:port, ...) or drop --proxy-file / "proxy_file" to connect directly`,
          'SE_ERR_CLI_NO_PROXIES',
        );
      }
      logger.info('proxies loaded', { file: config.proxy_file, count: proxies.count() });
    }

    // The job is resolved before any session exists so a broken script fails fast.
    const failureReasons = new FailureReasons();
    let started = 0;
    let job: Job;
    if (config.script) job = await loadScriptJob(config.script);
    else if (config.scenario.length > 0) job = scenarioJob(config.scenario);
    else job = defaultJob(config);
    const inner = withFailureReasons(job, failureReasons);
    job = (session, ctx) => {
      started += 1;
      return inner(session, ctx);
    };

    // 4. Metrics.
    const metrics = new Metrics();

    // 5. Sessions.
    const sessions = new SessionManager({ config, logger, ...(proxies ? { proxies } : {}) });
    cleanups.push({ close: () => sessions.stopAll() });
    const creation = await sessions.createSessions(config.number_of_sessions);
    if (creation.errors.length > 0) {
      const shown = creation.errors.slice(0, 5).map((e) => `  - ${e instanceof Error ? e.message : String(e)}`);
      throw new CliError(
        `${creation.errors.length} of ${config.number_of_sessions} sessions could not be created:\n${shown.join('\n')}` +
          (creation.errors.length > 5 ? `\n  ... and ${creation.errors.length - 5} more` : ''),
        'SE_ERR_CLI_SESSIONS',
      );
    }

    // 6. Worker pool and 7. scheduler.
    const pool = new WorkerPool({ workers: config.workers });
    pool.start();
    const scheduler = new Scheduler({ sessions, pool, metrics, logger, config });

    // 8. Metrics monitor: live line on a terminal, the seed's log line otherwise.
    const startedAt = new Date();
    const startedClock = performance.now();
    const plannedMs = config.duration > 0 ? config.duration : config.stages.reduce((sum, s) => sum + s.duration, 0);
    let monitor: NodeJS.Timeout | undefined;
    let live: LiveStatusLine | undefined;
    if (stderr.isTTY && !flags.json) {
      live = new LiveStatusLine(stderr);
      logOutput.live = live;
      monitor = setInterval(() => {
        const snapshot = metrics.snapshot();
        live?.draw({
          elapsedMs: performance.now() - startedClock,
          totalMs: plannedMs,
          iterations: started,
          plannedIterations: config.iterations,
          activeSessions: snapshot.active_sessions,
          currentRps: metrics.currentRate(),
          p99Ms: snapshot.latency.p99,
          total: snapshot.total,
          failed: snapshot.failed,
        });
      }, 1000);
    } else {
      monitor = setInterval(() => logger.info(`metrics - ${formatSnapshotLine(metrics.snapshot())}`), config.metrics_interval);
    }
    monitor.unref();

    let metricsServer: RunningMetricsServer | undefined;
    if (flags['metrics-port'] !== undefined) {
      metricsServer = await startMetricsServer(metrics, flags['metrics-port']);
      cleanups.push(metricsServer);
      logger.info('serving Prometheus metrics', { url: metricsServer.url });
    }

    const report = (reason: StopReason): RunReport =>
      buildReport({
        engine: environment.version,
        startedAt,
        finishedAt: new Date(),
        reason,
        model: config.rate > 0 ? 'open' : 'closed',
        target: demoUrl ? `${demoUrl} (embedded demo target)` : redactUrl(config.target_url) || '(script)',
        iterations: started,
        failedIterations: failureReasons.total,
        snapshot: metrics.snapshot(),
        sessions: { configured: config.number_of_sessions, created: creation.created, failed_to_create: creation.errors.length },
        failureReasons: failureReasons.counts,
        config: redactConfig(config) as unknown as Record<string, unknown>,
        stepOrder: config.scenario.map(stepName),
      });
    const emit = (result: RunReport, sync: boolean): void => {
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (flags.out) writeAtomic(flags.out, json);
      const text = flags.json ? json : formatSummary(result);
      if (sync) writeSync(stdout === process.stdout ? 1 : 2, text);
      else stdout.write(text);
    };

    // 9. Signals: the first stops gracefully, the second forces exit 130 with what we have.
    let stopReason: StopReason | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopReason === undefined) {
        stopReason = 'signal';
        logger.warn(`${signal} received: finishing in-flight requests (send it again to force exit)`);
        void scheduler.stop();
        return;
      }
      live?.stop();
      logger.error(`${signal} received again: forcing exit`);
      emit(report('forced'), true);
      forceExit(130);
    };
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);

    // 10. Run.
    sessions.startAll();
    logger.info('run started', {
      target: redactUrl(config.target_url),
      sessions: creation.created,
      workers: config.workers,
      model: config.rate > 0 ? `open (${config.rate}/s)` : 'closed',
      duration_ms: config.duration || undefined,
      iterations: config.iterations || undefined,
    });
    const summary = await scheduler.start(job);
    live?.stop();

    // 11. Shutdown in reverse order: scheduler, pool drain, sessions, final metrics.
    await scheduler.stop();
    await pool.stop();
    await sessions.stopAll();
    clearInterval(monitor);
    live?.clear();
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    const final = report(stopReason ?? summary.reason);
    logger.info(`final metrics - ${formatSnapshotLine(metrics.snapshot())}`);
    emit(final, false);
    return 0;
  } catch (error) {
    const cliError = asCliError(error, 'engine run failed');
    logger.flush();
    stderr.write(`error: ${cliError.message}\n`);
    if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return cliError.exitCode;
  } finally {
    for (const item of cleanups.reverse()) {
      try {
        await item.close();
      } catch {
        // Best effort: the run's outcome is already decided.
      }
    }
    logger.flush();
  }
}
