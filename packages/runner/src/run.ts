/**
 * `run()`: the engine as a library. Composes the packages in the seed's order
 * (logger, proxies, metrics, sessions, worker pool, scheduler, monitor,
 * stop wiring), runs the job, and always ends and always reports:
 *
 * - a stop (duration reached, iterations issued, `signal` aborted) gives the
 *   iterations in flight `graceful_stop` to finish; then `ctx.signal` aborts,
 *   their requests are aborted (failure kind `interrupted`), jobs still
 *   running are counted as interrupted iterations and the run ends anyway;
 * - every component registers its close hook as it starts, and the hooks run
 *   in reverse order, each with a deadline, on every path (see Lifecycle).
 */
import { createRequire } from 'node:module';
import { redactConfig, type EngineConfig } from '@session-engine/config';
import { createLogger, redactUrl, type Logger } from '@session-engine/logger';
import { Metrics, formatSnapshotLine, type MetricsSnapshot } from '@session-engine/metrics';
import type { ProxyReport } from '@session-engine/proxy';
import { Scheduler, type Job, type RunSummary } from '@session-engine/scheduler';
import { SessionManager } from '@session-engine/session';
import type { StateStore } from '@session-engine/state-store';
import { WorkerPool } from '@session-engine/worker-pool';
import { NoTargetError, RunOptionsError, SessionsFailedError } from './errors.js';
import { FailureReasons, reasonOf } from './failure-reasons.js';
import { checkFdLimit, fdDemandOf, platformFdLimits } from './fd-limit.js';
import { Lifecycle } from './lifecycle.js';
import { startMetricsServer } from './metrics-server.js';
import { serveControlApi } from './control/serve.js';
import { LiveRunControl } from './control/live-run.js';
import { attachLiveRun } from './control/run-control.js';
import { startProxyChecks } from './proxy-checks.js';
import { openProxies, RunControl, wireProxies } from './proxy-control.js';
import { buildReport, STOP_REASONS, type RunReport, type StopReason, type WarmupReport } from './report.js';
import { defaultJob, scenarioJob, stepName, type ScenarioJobOptions } from './scenario-job.js';
import { OnceSteps } from './once-steps.js';
import { loadScriptJob } from './script-job.js';
import { SessionStateKeeper } from './session-state.js';
import { compileThresholds, evaluateThresholds, sourceOfReport, ThresholdWatch } from './thresholds.js';
import { Timeline, type TimelineEntry } from './timeline.js';
import { startWarmup, type RunningWarmup } from './warmup.js';
import { WarmupControl } from './control/warmup-control.js';

/** A live reading of a running run, handed to `onSnapshot` once per `timeline_interval`. */
export interface LiveSnapshot {
  /**
   * `warmup` while config `warmup` runs before the window: then every figure is the
   * warm-up's own (counted in no report figure but its `warmup` block), `elapsed_ms`
   * counts from its start and `planned_ms` is its length. `load` from the window on.
   */
  phase: 'warmup' | 'load';
  /** ms since the run started. */
  elapsed_ms: number;
  /** The planned length in ms (`duration`, or the sum of the stages); 0 = none. */
  planned_ms: number;
  /** Iterations started so far. */
  iterations: number;
  /** The iteration budget; 0 = none. */
  planned_iterations: number;
  /** `stopping` once a stop began (in-flight iterations are finishing). */
  state: 'running' | 'stopping';
  /** Cumulative metrics; snapshots of runs side by side merge exactly (`mergeSnapshots`). */
  metrics: MetricsSnapshot;
  /**
   * Each proxy's cumulative row (as in the report's `proxies`), with a proxy
   * list; absent without. One row per proxy, so a thread's snapshot stays
   * small; the main thread of `--threads` serves the per-proxy series from them.
   */
  proxies?: ProxyReport[];
}

export interface RunOptions {
  /** What `loadConfig()` / `parseConfig()` return. */
  config: Readonly<EngineConfig>;
  /**
   * Stops the run gracefully when it aborts. The report's `reason` is the
   * abort reason when it is one of the report's reasons (the CLI passes
   * `'signal'`), else `aborted`.
   */
  signal?: AbortSignal;
  /** Stops at once when it aborts: in-flight work is not waited for (reason `forced`). */
  forceSignal?: AbortSignal;
  /** Default: a logger at `config.log_level` writing to stderr. */
  logger?: Logger;
  /** Replaces the config's job (its `script`, `scenario`, or the default single request). */
  job?: Job;
  /**
   * The ledger of completed `once` steps that `session_state` saves and restores. Pass the
   * one you gave `jobFromConfig(config, { once })` when `job` wraps the config's scenario;
   * default: the run's own (used by the config's job).
   */
  once?: OnceSteps;
  /** Live readings, once per `timeline_interval`: for progress lines, control APIs, threads. */
  onSnapshot?: (snapshot: LiveSnapshot) => void;
  /**
   * Each timeline entry as soon as its interval ends (the last, possibly
   * short, one before `run()` resolves): for streaming results, e.g. to an
   * `NdjsonSink`. What it throws is logged once per message and the run goes on.
   */
  onInterval?: (entry: TimelineEntry) => void;
  /** Serve Prometheus metrics on `http://127.0.0.1:<port>/metrics` while running (0 = a free port). */
  metricsPort?: number;
  /** Log the seed's metrics line every `metrics_interval` (default true). */
  logMetrics?: boolean;
  /** The report's `engine` field (default: this package's version). */
  engine?: string;
  /** The report's `target` text (default: `target_url` with credentials masked; `(script)` / `(custom job)` without one). */
  targetLabel?: string;
  /**
   * Acts on the run while it goes on: `status()`, `update({ sessions, rate, paused, log_level })`,
   * `stop()`, `report()`, and `reloadProxies()` (the CLI's SIGHUP). The control API
   * (`config.control_port`) serves the same object over HTTP.
   */
  control?: RunControl;
  /** The control API's bearer token (with `config.control_port`); default: `SESSION_ENGINE_CONTROL_TOKEN`, else 32 random bytes (base64url). */
  controlToken?: string;
  /**
   * Called once the control API listens (with `config.control_port`): its URL and the token, and
   * whether the token was generated (then nobody else knows it: show it once; it is never logged).
   */
  onControlApi?: (api: { url: string; token: string; generated: boolean }) => void;
  /**
   * This run is one part of a run split side by side (`runThreads()`, shards); `config` holds
   * this part's sessions, iterations and workers. Its session ids follow the earlier parts'
   * (`sessionsBefore + 1`, ...), it starts where they leave the proxy rotation, and it takes
   * arrivals k = index, index + count, ... of the one open-model schedule.
   */
  partition?: RunPartition;
  /**
   * Awaited once the sessions exist, just before the load window starts: parts side by side
   * (threads) report ready and wait for one common start time here. What it throws ends the run.
   */
  startGate?: () => Promise<void>;
  /**
   * Where `config.session_state` is kept, already open, instead of opening it here: a thread of
   * `runThreads()` saves its sessions through the main thread, the one writer of a state file.
   * Used only when `config.session_state` is set; run() closes it.
   */
  stateStore?: StateStore;
}

/** One part of a run split side by side: see `RunOptions.partition`. */
export interface RunPartition {
  /** This part, 0-based. */
  index: number;
  /** Parts side by side. */
  count: number;
  /** Sessions held by the parts before this one. */
  sessionsBefore: number;
  /**
   * The whole run's sessions at start. With it, sessions this part adds while the run goes on
   * (a live `sessions` change) take ids `totalSessions + 1 + index`, then every `count`-th id
   * after that, so ids stay unique across the parts; without it they follow this part's own.
   */
  totalSessions?: number;
}

const runnerVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** How long a forced close of the sessions may take before the run gives up on their requests. */
const FORCE_CLOSE_DEADLINE_MS = 1_000;

function checkOptions(options: RunOptions): void {
  if (typeof options !== 'object' || options === null) throw new RunOptionsError('run() needs an options object: run({ config })');
  const { config } = options;
  if (typeof config !== 'object' || config === null || typeof config.number_of_sessions !== 'number') {
    throw new RunOptionsError('run() needs `config`: the object loadConfig() or parseConfig() from @session-engine/config returns');
  }
  for (const name of ['signal', 'forceSignal'] as const) {
    const value = options[name];
    if (value !== undefined && !(value instanceof AbortSignal)) throw new RunOptionsError(`run(): \`${name}\` must be an AbortSignal`);
  }
  if (options.job !== undefined && typeof options.job !== 'function') throw new RunOptionsError('run(): `job` must be a function (session, context) => {}');
  if (options.once !== undefined && !(options.once instanceof OnceSteps)) throw new RunOptionsError('run(): `once` must be an OnceSteps (from @session-engine/runner)');
  if (options.onSnapshot !== undefined && typeof options.onSnapshot !== 'function') throw new RunOptionsError('run(): `onSnapshot` must be a function');
  if (options.onInterval !== undefined && typeof options.onInterval !== 'function') throw new RunOptionsError('run(): `onInterval` must be a function');
  if (options.control !== undefined && !(options.control instanceof RunControl)) throw new RunOptionsError('run(): `control` must be a RunControl (new RunControl())');
  if (options.startGate !== undefined && typeof options.startGate !== 'function') throw new RunOptionsError('run(): `startGate` must be a function returning a promise');
  const part = options.partition;
  if (part !== undefined) {
    const ok = [part.index, part.count, part.sessionsBefore].every((n) => Number.isInteger(n) && n >= 0) && part.index < part.count;
    if (!ok) throw new RunOptionsError('run(): `partition` must be { index, count, sessionsBefore }: whole numbers with 0 <= index < count');
    const total = part.totalSessions;
    if (total !== undefined && !(Number.isSafeInteger(total) && total >= 0)) throw new RunOptionsError(`run(): \`partition.totalSessions\` must be a whole number >= 0, got ${String(total)}`);
  }
  const port = options.metricsPort;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new RunOptionsError(`run(): \`metricsPort\` must be an integer from 0 to 65535, got ${String(port)}`);
  }
}

function reasonOfAbort(reason: unknown): StopReason {
  return typeof reason === 'string' && (STOP_REASONS as readonly string[]).includes(reason) ? (reason as StopReason) : 'aborted';
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/** Resolves the job a config describes: a script module, a scenario, or one request to target_url. */
export async function jobFromConfig(config: Readonly<EngineConfig>, options: ScenarioJobOptions = {}): Promise<Job> {
  if (config.script) return loadScriptJob(config.script);
  if (config.scenario.length > 0) return scenarioJob(config.scenario, options);
  return defaultJob(config);
}

export async function run(options: RunOptions): Promise<RunReport> {
  const calledAt = performance.now();
  checkOptions(options);
  const logger = options.logger ?? createLogger({ level: options.config.log_level });
  const lifecycle = new Lifecycle(logger);
  try {
    return await runComposed(options, logger, lifecycle, calledAt);
  } finally {
    await lifecycle.close();
    logger.flush();
  }
}

async function runComposed(options: RunOptions, logger: Logger, lifecycle: Lifecycle, calledAt: number): Promise<RunReport> {
  const { config } = options;
  if (!config.target_url && !config.script && options.job === undefined) throw new NoTargetError();

  // Before any session or socket exists: a run that cannot fit in the fd limit stops here with the numbers.
  const fdDemand = fdDemandOf(config, { customJob: options.job !== undefined, metricsServer: options.metricsPort !== undefined });
  checkFdLimit(fdDemand, { system: platformFdLimits(), logger });

  // Proxies (none: direct connections), with the circuit settings of the config.
  const proxies = await openProxies(config, logger);

  // The job is resolved before any session exists, so a broken script fails fast.
  const failureReasons = new FailureReasons();
  // Completed once steps by session id: saved and restored with the session state.
  const once = options.once ?? new OnceSteps();
  // Failures are grouped by reason through the scheduler's onIterationFailed, not a wrapper
  // around the job: one promise less per iteration.
  const job = options.job ?? (await jobFromConfig(config, { once }));

  // Saved session state, before any session exists: bad state or an unreachable Redis stops the run here.
  const state = await SessionStateKeeper.open(config, logger, once, config.number_of_sessions, (options.partition?.sessionsBefore ?? 0) + 1, options.stateStore);
  if (state !== undefined) lifecycle.onClose('session state', () => state.close(), 5_000);

  const metrics = new Metrics();
  if (proxies) lifecycle.onClose('proxy control', wireProxies(proxies, config.proxy_file, metrics, logger, options.control));
  if (proxies && config.proxy_check_url) {
    const checks = {
      url: config.proxy_check_url,
      intervalMs: config.proxy_check_interval,
      // A check never outlives two intervals, so a dead proxy cannot hold up the next rounds for long.
      timeoutMs: Math.min(config.request_timeout, Math.max(2 * config.proxy_check_interval, 1_000)),
      connectTimeoutMs: config.tls_handshake_timeout,
      insecureTls: config.insecure_tls,
    };
    lifecycle.onClose('proxy checks', startProxyChecks(proxies, checks, logger));
  }
  // Parsed before any session exists (the config validated them; this only compiles).
  const thresholds = compileThresholds(config.thresholds ?? []);
  const watch = new ThresholdWatch(thresholds);

  const sessionsBefore = options.partition?.sessionsBefore ?? 0;
  // A later part's sessions take the rotation's proxies where the earlier parts' leave off.
  if (proxies) for (let i = 0; i < sessionsBefore; i++) proxies.next();
  const sessions = new SessionManager({
    config,
    logger,
    firstId: sessionsBefore + 1,
    ...(options.partition?.totalSessions !== undefined
      ? { addedIds: { first: options.partition.totalSessions + 1 + options.partition.index, step: options.partition.count } }
      : {}),
    ...(proxies ? { proxies } : {}),
    // A restored session starts on its saved proxy when the list still has it (at start, every listed proxy is healthy).
    ...(proxies && state ? { proxyFor: state.proxyFor(proxies.healthy()) } : {}),
  });
  lifecycle.onClose('sessions', async () => {
    // Graceful first (nothing should be in flight by now); a close that hangs becomes a forced one.
    await withDeadline(sessions.stopAll(), 2_000);
    await sessions.stopAll({ force: true });
  });
  const creation = await sessions.createSessions(config.number_of_sessions);
  if (creation.errors.length > 0) throw new SessionsFailedError(config.number_of_sessions, creation.errors);
  if (state !== undefined) {
    // Kept by the keeper: the manager forgets sessions when it closes them, the final save still needs them.
    await state.restore(creation.ids.map((id) => sessions.get(id)!));
    state.start(config.session_state_interval);
  }
  // First connects before the load window, so they are in `startup`, not a connect storm in the
  // window's first second. A thread or shard does this before it reports ready (startGate below).
  const preconnect = config.preconnect
    ? await sessions.preconnectAll(options.signal === undefined ? {} : { signal: options.signal })
    : { connected: 0 };

  let abandoned = false;
  const pool = new WorkerPool({ workers: config.workers });
  pool.start();
  // Jobs the run gave up on may never settle: then the pool is not waited for.
  lifecycle.onClose('worker pool', () => {
    const stopping = pool.stop({ drain: false });
    return abandoned ? undefined : stopping;
  });

  // Stop wiring: a graceful stop arms the deadline; the deadline (or a force) is the hard stop.
  let stopReason: StopReason | undefined;
  let stopping = false;
  // The warm-up while it runs (config warmup): stopped and given up on as the window would be.
  let warming: RunningWarmup | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let hardStopping: Promise<void> | undefined;
  // The hard stop, in this order: jobs are told (ctx.signal), what they still wait on is
  // cut off (closing the sessions aborts their requests, recorded as interrupted), and
  // whatever still runs is given up on.
  const hardStop = (): Promise<void> => {
    hardStopping ??= (async () => {
      warming?.abandon();
      if (scheduler.running > 0) {
        logger.warn(`stopping now: aborting ${scheduler.running} iteration(s) still in flight (graceful_stop ${graceMs} ms)`);
      }
      scheduler.interrupt();
      abandoned = true;
      await withDeadline(sessions.stopAll({ force: true }), FORCE_CLOSE_DEADLINE_MS);
      scheduler.abandon();
    })();
    return hardStopping;
  };
  // A control API stop may ask for a shorter (or longer) grace than graceful_stop.
  let graceMs = config.graceful_stop;
  const armGrace = (): void => {
    stopping = true;
    if (graceTimer !== undefined || hardStopping !== undefined) return;
    graceTimer = setTimeout(() => void hardStop(), graceMs);
  };
  lifecycle.onClose('graceful-stop timer', () => clearTimeout(graceTimer));
  const scheduler = new Scheduler({
    sessions,
    pool,
    metrics,
    logger,
    config,
    onStopping: armGrace,
    onIterationFailed: (error) => failureReasons.add(reasonOf(error)),
    ...(options.partition ? { partition: options.partition } : {}),
  });
  lifecycle.onClose('scheduler', () => scheduler.stop());
  const requestStop = (reason: StopReason): void => {
    stopReason ??= reason;
    warming?.stop();
    void scheduler.stop();
    armGrace();
  };
  // A control stop (the warm-up's or the window's live control): its own grace, if it is the first stop.
  const controlStop = (gracefulStopMs: number | undefined): number => {
    if (!stopping && gracefulStopMs !== undefined) graceMs = gracefulStopMs;
    requestStop('stopped');
    return graceMs;
  };

  const onAbort = (): void => {
    logger.warn('stop requested: finishing in-flight iterations', { graceful_stop_ms: config.graceful_stop });
    requestStop(reasonOfAbort(options.signal?.reason));
  };
  const onForce = (): void => {
    stopReason = 'forced';
    requestStop('forced');
    void hardStop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  options.forceSignal?.addEventListener('abort', onForce, { once: true });
  lifecycle.onClose('stop listeners', () => {
    options.signal?.removeEventListener('abort', onAbort);
    options.forceSignal?.removeEventListener('abort', onForce);
  });

  if (options.metricsPort !== undefined) {
    const server = await startMetricsServer(metrics, options.metricsPort);
    lifecycle.onClose('metrics server', () => server.close());
    logger.info('serving Prometheus metrics', { url: server.url });
  }

  // Monitor: the timeline (and live snapshots) every timeline_interval, the seed's metrics line every metrics_interval.
  const timeline = new Timeline(config.timeline_interval);
  const plannedMs = config.duration > 0 ? config.duration : config.stages.reduce((sum, stage) => sum + stage.duration, 0);
  const intervalErrors = new Set<string>();
  let loadStartedMs = performance.now();
  const emitInterval = (entry: TimelineEntry | undefined): void => {
    if (entry === undefined || options.onInterval === undefined) return;
    try {
      options.onInterval(entry);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!intervalErrors.has(message)) logger.warn('onInterval threw; the run goes on', { error: message });
      intervalErrors.add(message);
    }
  };
  const emitSnapshot = (snapshot: LiveSnapshot): void => {
    try {
      options.onSnapshot?.(snapshot);
    } catch (error) {
      logger.warn('onSnapshot threw; the run goes on', { error: error instanceof Error ? error.message : String(error) });
    }
  };
  const tick = (): void => {
    emitInterval(timeline.add(metrics.takeInterval(), metrics.activeSessions, scheduler.started));
    if (watch.active && !stopping) {
      const crossed = watch.check(performance.now() - loadStartedMs, () => metrics.snapshot());
      if (crossed !== undefined) {
        logger.warn(`threshold ${crossed.expr} crossed (value ${String(crossed.value)}): stopping the run, finishing in-flight iterations`);
        requestStop('threshold');
      }
    }
    if (options.onSnapshot === undefined) return;
    const snapshot = metrics.snapshot();
    emitSnapshot({
      phase: 'load',
      elapsed_ms: snapshot.elapsed_ms,
      planned_ms: plannedMs,
      iterations: scheduler.started,
      planned_iterations: config.iterations,
      state: stopping ? 'stopping' : 'running',
      metrics: snapshot,
      ...(proxies ? { proxies: proxies.report() } : {}),
    });
  };
  // The control API listens before the load starts; it steers the run once the load started (409 before).
  const control = options.control ?? (config.control_port !== undefined ? new RunControl() : undefined);
  if (config.control_port !== undefined && control !== undefined) {
    const server = await serveControlApi({
      control,
      config: { ...config, control_port: config.control_port },
      logger,
      version: options.engine ?? runnerVersion,
      token: options.controlToken,
      onControlApi: options.onControlApi,
    });
    lifecycle.onClose('control API', () => server.close());
  }
  // The warm-up runs before a thread or shard reports ready, so the parts' windows still start together.
  let warmup: WarmupReport | undefined;
  if (config.warmup > 0 && options.signal?.aborted !== true && options.forceSignal?.aborted !== true) {
    sessions.startAll();
    const running = startWarmup({ config, sessions, pool, job, logger, ...(options.partition ? { partition: options.partition } : {}) });
    warming = running;
    // Live control during the warm-up: its status and a stop. It stays until the window's control replaces
    // it, also while a shard waits at the start gate, so a control API event stream never sees a gap.
    if (control !== undefined) {
      lifecycle.onClose('warm-up control', () => attachLiveRun(control, undefined));
      attachLiveRun(
        control,
        new WarmupControl({
          model: config.rate > 0 ? 'open' : 'closed',
          sessions: creation.created,
          rate: config.rate > 0 ? config.rate : null,
          logger,
          live: () => running.live(),
          stopping: () => stopping,
          stop: controlStop,
        }),
      );
    }
    // Progress while it runs, marked as the warm-up's: snapshots (phase 'warmup') and the metrics line.
    // No timeline or thresholds: those are the window's.
    const progress = options.onSnapshot === undefined ? undefined : setInterval(() => emitSnapshot(running.live()), config.timeline_interval);
    const monitor =
      options.logMetrics === false
        ? undefined
        : setInterval(() => logger.info(`warm-up metrics (not kept) - ${formatSnapshotLine(running.live().metrics)}`), config.metrics_interval);
    try {
      warmup = await running.done;
    } finally {
      clearInterval(progress);
      clearInterval(monitor);
      warming = undefined;
    }
  }
  if (options.startGate !== undefined) await options.startGate();
  // The load window starts now: what came before (fd check, script, proxies, session creation, first connects) is `startup`.
  const startedAt = new Date();
  loadStartedMs = performance.now();
  const startup = (loadStartedMs - calledAt) / 1000;
  metrics.reset(); // the run's clock and tallies start now, not when metrics were created
  const ticker = setInterval(tick, config.timeline_interval);
  lifecycle.onClose('timeline', () => clearInterval(ticker));
  if (options.logMetrics !== false) {
    const monitor = setInterval(() => logger.info(`metrics - ${formatSnapshotLine(metrics.snapshot())}`), config.metrics_interval);
    lifecycle.onClose('metrics log', () => clearInterval(monitor));
  }

  // The report, final or so far (RunControl.report(), GET /v1/report).
  const reportOf = (reason: StopReason, interrupted: number, snapshot: MetricsSnapshot): RunReport =>
    buildReport({
      engine: options.engine ?? runnerVersion,
      startedAt,
      finishedAt: new Date(),
      startup,
      ...(warmup === undefined ? {} : { warmup }),
      reason,
      model: config.rate > 0 ? 'open' : 'closed',
      target: options.targetLabel ?? (redactUrl(config.target_url) || (options.job !== undefined ? '(custom job)' : '(script)')),
      iterations: scheduler.started,
      failedIterations: failureReasons.total,
      interruptedIterations: interrupted,
      snapshot,
      sessions: {
        configured: config.number_of_sessions,
        created: creation.created + live.added.created,
        failed_to_create: creation.errors.length + live.added.failed,
        preconnected: preconnect.connected,
      },
      failureReasons: failureReasons.counts,
      timeline: timeline.entries,
      proxies: proxies?.report() ?? [],
      config: redactConfig(config) as unknown as Record<string, unknown>,
      stepOrder: config.scenario.map(stepName),
    });
  const live = new LiveRunControl(
    {
      config,
      logger,
      scheduler,
      sessions,
      pool,
      metrics,
      plannedMs,
      stopping: () => stopping,
      stop: controlStop,
      report: () => {
        const report = reportOf(stopReason ?? 'stopped', 0, metrics.snapshot());
        report.thresholds = evaluateThresholds(thresholds, sourceOfReport(report));
        return report;
      },
      ...(state === undefined ? {} : { addSessions: (n: number) => state.addSessions(sessions, n, proxies) }),
    },
    creation.created,
  );
  if (control !== undefined) {
    attachLiveRun(control, live);
    lifecycle.onClose('live control', () => attachLiveRun(control, undefined));
  }

  // Run.
  sessions.startAll();
  logger.info('run started', {
    target: redactUrl(config.target_url),
    sessions: creation.created,
    workers: config.workers,
    model: config.rate > 0 ? `open (${config.rate}/s)` : 'closed',
    duration_ms: config.duration || undefined,
    iterations: config.iterations || undefined,
  });
  let summary: RunSummary | undefined;
  if (options.signal?.aborted === true) onAbort();
  else if (options.forceSignal?.aborted === true) onForce();
  // A stop during the warm-up (the control API's; a signal is caught above) stopped this scheduler before it ran: no window.
  else if (stopReason === undefined) summary = await scheduler.start(job);
  clearTimeout(graceTimer);
  clearInterval(ticker);
  if (hardStopping !== undefined) await hardStopping;

  // The last interval and the totals are read together, so the timeline adds up to them.
  emitInterval(timeline.add(metrics.takeInterval(), metrics.activeSessions, scheduler.started, true));
  const snapshot = metrics.snapshot();
  logger.info(`final metrics - ${formatSnapshotLine(snapshot)}`);
  const report = reportOf(stopReason ?? summary?.reason ?? 'stopped', summary?.interrupted ?? 0, snapshot);
  // Evaluated on the final report; a threshold that stopped the run stays crossed.
  report.thresholds = watch.finalize(evaluateThresholds(thresholds, sourceOfReport(report)));
  for (const result of report.thresholds) {
    if (result.value === null) logger.warn(`threshold ${result.expr}: nothing to measure (no request, no check, or a step that never ran); counted as crossed`);
  }
  if (state !== undefined) {
    // After the report's clock stopped: a final save retried against a reconnecting Redis does not lengthen `duration`.
    await state.finish(report.reason === 'forced');
    report.session_state = state.summary();
  }
  return report;
}
