/**
 * `runThreads()`: one run across several worker threads (node:worker_threads),
 * to use more than one core. The main thread keeps what must be one: options,
 * signals, the live figures and the report; each thread runs `run()` on its
 * share (see partition.ts), so the threads together do what one would.
 *
 * - Start: every thread reports ready once its sessions exist; then the main
 *   thread sends one start time to all.
 * - Live: each thread sends its cumulative snapshot every timeline_interval;
 *   the latest per thread is kept and merged (`onSnapshot`, the metrics line).
 *   Timeline entries are merged interval by interval (`onInterval`).
 * - Stop: `signal` stops every thread gracefully; `forceSignal` terminates
 *   them, and their reports are built from their last snapshots (reason
 *   `forced`). A thread that crashes (uncaught error, out of memory) stops the
 *   others; the report is marked `partial` with the reason.
 * - Report: the threads' reports merged exactly (`mergeReports`), with the
 *   whole run's config and each thread's totals in `threads`.
 * - Session state: a file is read and written by the main thread alone (see
 *   state-relay.ts); with Redis each thread keeps its own sessions' keys.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { redactConfig, type EngineConfig } from '@session-engine/config';
import { createLogger, redactUrl, type Logger } from '@session-engine/logger';
import { Metrics, formatSnapshotLine } from '@session-engine/metrics';
import type { SavedSession, StateStore } from '@session-engine/state-store';
import { NoProxyFileError, RunOptionsError, RunnerError, ThreadCrashedError } from '../errors.js';
import { mergeReports } from '../merge-reports.js';
import { startMetricsServer, type RunningMetricsServer } from '../metrics-server.js';
import { attachLiveRun, attachProxyReload, RunControl, type ProxyReload } from '../control/run-control.js';
import { WarmupControl } from '../control/warmup-control.js';
import type { RunningControlServer } from '../control/control-server.js';
import { serveControlApi } from '../control/serve.js';
import { buildReport, partTotals, STOP_REASONS, type RunReport, type StopReason, type ThreadReport } from '../report.js';
import { run, type LiveSnapshot, type RunOptions } from '../run.js';
import { stepName } from '../scenario-job.js';
import { compileThresholds, ThresholdWatch } from '../thresholds.js';
import type { TimelineEntry } from '../timeline.js';
import { mergeLive, mergeLiveProxies, mergeTimelineEntries } from './live.js';
import { ThreadsLive } from './live-threads.js';
import { planThreads, type ThreadPlan } from './partition.js';
import type { FromThread, ThreadData, ToThread } from './protocol.js';
import { isStateFile, loadForThread, openThreadsStateFile, saveForThread, type StateLoadMessage, type StateSaveMessage } from './state-relay.js';

export interface ThreadsOptions extends Omit<RunOptions, 'job' | 'once' | 'partition' | 'startGate' | 'stateStore'> {
  /**
   * Awaited once every thread is ready (its sessions exist), before the one start time is sent:
   * a shard waits here for `start_at` (`runShard()`). What it throws stops the threads and rejects.
   */
  startGate?: () => Promise<void>;
  /** The threads' shares when the split is not `planThreads(config, threads)`: a shard's part of a larger run (`planShard()`). */
  plans?: readonly ThreadPlan[];
  /** Worker threads to split the run across (default `config.threads`); capped at the sessions, workers and iterations there are. */
  threads?: number;
  /** Pretty log lines from the threads (default: when their stderr is a terminal). */
  prettyLogs?: boolean;
  /**
   * The caller redraws a status line on stderr (a terminal) from `onSnapshot`. The threads write
   * their log lines to fd 2 themselves, so each line first clears that row instead of running
   * on after the status text; the next redraw puts it back below. Default false.
   */
  statusLine?: boolean;
}

const runnerVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Between "every thread is ready" and the common start: time for the start message to reach each thread. */
const START_LEAD_MS = 25;
/** A thread that reported but does not end (a handle left open) is terminated after this long. */
const EXIT_DEADLINE_MS = 2_000;
/** After a forced stop, how long threads get to report (run() itself gives up on requests after 1 s) before they are terminated. */
const FORCE_DEADLINE_MS = 2_000;
/** Beyond graceful_stop (which a thread enforces itself, if it can run), how long a stopping thread may take before it is terminated. */
const STRAGGLER_MARGIN_MS = 5_000;

interface ThreadState {
  plan: ThreadPlan;
  worker: Worker;
  ready: boolean;
  /** The latest cumulative snapshot, and how many timeline entries had arrived with it. */
  last?: LiveSnapshot;
  /** Its latest warm-up snapshot (phase 'warmup'): progress only, never in a figure of the run. */
  warming?: LiveSnapshot;
  entriesAtLast: number;
  entries: TimelineEntry[];
  report?: RunReport;
  failed?: { message: string; code: string };
  crash?: string;
  /** Terminated because it did not stop in time (blocked). */
  hung?: string;
  terminated: boolean;
  exited: boolean;
}

/** The worker entry: dist/threads/worker.js beside this file; from source (tests), the TypeScript file loaded through tsx. */
function createWorker(data: ThreadData): Worker {
  const youngMb = data.config.thread_young_generation_mb;
  const options = { workerData: data, stdout: false, stderr: false, ...(youngMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngMb } } : {}) };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), options);
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: ['--conditions=@session-engine/source'] });
}

function reasonOf(signal: AbortSignal | undefined): StopReason {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' && (STOP_REASONS as readonly string[]).includes(reason) ? (reason as StopReason) : 'aborted';
}

function checkThreadsOptions(options: ThreadsOptions): void {
  if ((options as RunOptions).job !== undefined) {
    throw new RunOptionsError('runThreads(): a `job` function cannot be passed to worker threads; put the job in a module and set config.script, or use run()');
  }
}

/**
 * Runs `options.config` across `threads` worker threads and resolves with the
 * merged report. With one usable thread it is `run()` itself, in this thread.
 * Rejects only when the run cannot start (as `run()` does: a thread's start-up
 * error, with its code).
 */
export async function runThreads(options: ThreadsOptions): Promise<RunReport> {
  const { config } = options;
  if (typeof config !== 'object' || config === null) throw new RunOptionsError('runThreads() needs `config`: the object loadConfig() returns');
  const requested = options.threads ?? config.threads ?? 1;
  if (!Number.isInteger(requested) || requested < 1) throw new RunOptionsError(`runThreads(): \`threads\` must be a whole number >= 1, got ${String(requested)}`);
  const plans = options.plans !== undefined ? [...options.plans] : planThreads(config, requested);
  checkThreadsOptions(options);
  const logger = options.logger ?? createLogger({ level: config.log_level });
  if (plans.length < requested) {
    logger.warn(`using ${plans.length} thread(s), not ${requested}: each thread needs at least one session, worker slot and iteration`);
  }
  if (plans.length === 1) {
    const { threads: _threads, prettyLogs: _pretty, statusLine: _statusLine, ...single } = options;
    const { plans: _plans, ...alone } = single;
    // A shard's one thread runs its share (its sessions, ids and arrivals) of the whole run.
    const part = options.plans?.[0];
    return run({ ...alone, logger, ...(part !== undefined ? { config: { ...part.config, control_port: config.control_port }, partition: part.partition } : {}) });
  }
  // A state file has one writer, this thread: it is read here (bad state rejects before any thread
  // starts) and each thread gets its own sessions' saved state. Redis: each thread keeps its own keys.
  const stateFile = isStateFile(config) ? await openThreadsStateFile(config, plans) : undefined;
  try {
    return await new ThreadedRun(options, plans, logger, stateFile).run();
  } finally {
    // Waits for the last write (a thread's final save may still be going when it was terminated).
    await stateFile?.store.close();
  }
}

class ThreadedRun {
  readonly #options: ThreadsOptions;
  readonly #config: Readonly<EngineConfig>;
  readonly #logger: Logger;
  readonly #threads: ThreadState[];
  #changed: (() => void) | undefined;
  #startAt = 0;
  #emitted = 0;
  #stopping = false;
  #forced = false;
  #forceTimer: NodeJS.Timeout | undefined;
  #stragglerTimer: NodeJS.Timeout | undefined;
  #stragglerAt: number | undefined;
  #reloadId = 0;
  /** What the control API steers (with `control` or `control_port`), from the common start on. */
  #steer: ThreadsLive | undefined;
  /** The graceful stop's grace in effect (graceful_stop, or what a control API stop asked for). */
  #graceMs: number;
  readonly #watch: ThresholdWatch;
  readonly #reloads = new Map<number, (outcome: ProxyReload | Error) => void>();
  readonly #stateStore: StateStore | undefined;

  constructor(options: ThreadsOptions, plans: ThreadPlan[], logger: Logger, stateFile?: { store: StateStore; saved: SavedSession[][] }) {
    this.#options = options;
    this.#config = options.config;
    this.#logger = logger;
    this.#watch = new ThresholdWatch(compileThresholds(this.#config.thresholds ?? []));
    this.#graceMs = this.#config.graceful_stop;
    this.#stateStore = stateFile?.store;
    this.#threads = plans.map((plan, at) => {
      const data: ThreadData = {
        index: plan.index,
        config: plan.config,
        partition: plan.partition,
        logLevel: this.#config.log_level,
        ...(options.engine !== undefined ? { engine: options.engine } : {}),
        ...(options.targetLabel !== undefined ? { targetLabel: options.targetLabel } : {}),
        ...(options.prettyLogs !== undefined ? { pretty: options.prettyLogs } : {}),
        ...(options.statusLine === true ? { clearStatusLine: true } : {}),
        ...(stateFile !== undefined ? { stateFile: { saved: stateFile.saved[at] ?? [] } } : {}),
      };
      const worker = createWorker(data);
      const state: ThreadState = { plan, worker, ready: false, entriesAtLast: 0, entries: [], terminated: false, exited: false };
      worker.on('message', (message: FromThread) => this.#onMessage(state, message));
      worker.on('error', (error: Error) => this.#onCrash(state, `thread ${plan.index} crashed: ${error.message}`));
      worker.on('exit', (code) => {
        state.exited = true;
        this.#steer?.threadEnded(plan.index);
        if (state.report === undefined && state.failed === undefined && state.crash === undefined && !state.terminated) {
          this.#onCrash(state, `thread ${plan.index} exited with code ${code} before it reported`);
        }
        this.#notify();
      });
      return state;
    });
  }

  async run(): Promise<RunReport> {
    const { signal, forceSignal } = this.#options;
    const onAbort = (): void => this.#stopAll(reasonOf(signal));
    const onForce = (): void => this.#forceAll();
    // SIGHUP: each thread re-reads the proxy file. The control API is served here, in the main thread, never by a thread.
    const control = this.#options.control ?? (this.#config.control_port !== undefined ? new RunControl() : undefined);
    if (control !== undefined) attachProxyReload(control, () => this.#reload());
    signal?.addEventListener('abort', onAbort, { once: true });
    forceSignal?.addEventListener('abort', onForce, { once: true });
    let ticker: NodeJS.Timeout | undefined;
    let monitor: NodeJS.Timeout | undefined;
    let server: RunningMetricsServer | undefined;
    let controlServer: RunningControlServer | undefined;
    try {
      if (this.#options.metricsPort !== undefined) {
        // The merged run, as of each thread's latest snapshot, mirrored into one registry at each scrape.
        const mirror = new Metrics();
        // The per-proxy series as in one thread (same names, labels, HELP): the threads' latest rows merged.
        if (this.#config.proxy_file || this.#config.proxy_from_env) {
          mirror.trackProxies(() => mergeLiveProxies(this.#threads.flatMap((t) => (t.last ? [t.last] : []))));
        }
        const source = {
          prometheus: (): Promise<string> => {
            const latest = this.#threads.flatMap((t) => (t.last ? [t.last.metrics] : []));
            if (latest.length > 0) mirror.mirror(...latest);
            return mirror.prometheus();
          },
        };
        server = await startMetricsServer(source, this.#options.metricsPort);
        this.#logger.info('serving Prometheus metrics', { url: server.url });
      }
      const controlPort = this.#config.control_port;
      if (control !== undefined && controlPort !== undefined) {
        controlServer = await serveControlApi({
          control,
          config: { ...this.#config, control_port: controlPort },
          logger: this.#logger,
          version: this.#options.engine ?? runnerVersion,
          token: this.#options.controlToken,
          onControlApi: this.#options.onControlApi,
        });
      }
      if (signal?.aborted === true) onAbort();
      if (forceSignal?.aborted === true) onForce();
      this.#logger.info(`run split across ${this.#threads.length} threads`, {
        sessions: this.#threads.map((t) => t.plan.config.number_of_sessions),
      });
      // Progress and live control during the threads' warm-ups (config warmup), until the window's own take over.
      if (this.#config.warmup > 0) {
        if (control !== undefined) {
          attachLiveRun(
            control,
            new WarmupControl({
              model: this.#config.rate > 0 ? 'open' : 'closed',
              sessions: this.#threads.reduce((sum, t) => sum + t.plan.config.number_of_sessions, 0),
              rate: this.#config.rate > 0 ? this.#config.rate : null,
              logger: this.#logger,
              live: () => this.#warmingLive(),
              stopping: () => this.#stopping,
              stop: (gracefulStopMs) => this.#controlStop(gracefulStopMs),
            }),
          );
        }
        if (this.#options.onSnapshot !== undefined) ticker = setInterval(() => this.#tick(), this.#config.timeline_interval);
        if (this.#options.logMetrics !== false) {
          monitor = setInterval(() => {
            const warming = this.#warmingLive();
            if (warming !== undefined) this.#logger.info(`warm-up metrics (not kept) - ${formatSnapshotLine(warming.metrics)}`);
          }, this.#config.metrics_interval);
        }
      }
      // Start: every thread ready (its sessions exist), or one failed to start.
      await this.#until(() => this.#threads.every((t) => t.ready || t.exited) || this.#threads.some((t) => t.failed !== undefined || t.crash !== undefined));
      const failed = this.#threads.find((t) => t.failed !== undefined);
      // A forced stop during start-up is no failure: the report says what there is (nothing).
      if (!this.#forced && (failed !== undefined || this.#threads.some((t) => !t.ready))) {
        this.#stopAll('stopped');
        await this.#allExited();
        if (failed?.failed !== undefined) throw new RunnerError(failed.failed.message, failed.failed.code);
        throw new ThreadCrashedError(this.#threads.find((t) => t.crash !== undefined)?.crash ?? 'a thread ended before it was ready');
      }
      if (this.#options.startGate !== undefined) {
        try {
          await this.#options.startGate();
        } catch (error) {
          this.#stopAll('stopped');
          await this.#allExited();
          throw error;
        }
      }
      this.#startAt = Date.now() + START_LEAD_MS;
      this.#post({ type: 'start', at: this.#startAt });
      if (control !== undefined) {
        this.#steer = new ThreadsLive({
          config: this.#config,
          logger: this.#logger,
          count: this.#threads.length,
          sessionsAtStart: this.#threads.map((t) => t.plan.config.number_of_sessions),
          snapshot: (index) => this.#threads[index]?.last,
          post: (index, message) => {
            const thread = this.#threads[index];
            if (thread === undefined || thread.exited || thread.report !== undefined || thread.crash !== undefined) return false;
            thread.worker.postMessage(message);
            return true;
          },
          stopping: () => this.#stopping,
          stop: (gracefulStopMs) => this.#controlStop(gracefulStopMs),
          report: () => this.#report(true),
        });
        attachLiveRun(control, this.#steer);
      }
      // A run with a planned length ends by itself: a thread still running well after it is blocked.
      const plannedMs = this.#config.duration > 0 ? this.#config.duration : this.#config.stages.reduce((sum, stage) => sum + stage.duration, 0);
      if (plannedMs > 0) this.#armStragglers(START_LEAD_MS + plannedMs + this.#config.graceful_stop + STRAGGLER_MARGIN_MS);

      clearInterval(ticker);
      clearInterval(monitor);
      ticker = setInterval(() => this.#tick(), this.#config.timeline_interval);
      if (this.#options.logMetrics !== false) {
        monitor = setInterval(() => {
          const live = this.#live();
          if (live !== undefined) this.#logger.info(`metrics - ${formatSnapshotLine(live.metrics)}`);
        }, this.#config.metrics_interval);
      }
      await this.#allExited();
      clearInterval(ticker);
      clearInterval(monitor);
      this.#emitIntervals(true);
      return this.#report();
    } finally {
      clearInterval(ticker);
      clearInterval(monitor);
      clearTimeout(this.#forceTimer);
      clearTimeout(this.#stragglerTimer);
      signal?.removeEventListener('abort', onAbort);
      forceSignal?.removeEventListener('abort', onForce);
      if (control !== undefined) {
        attachProxyReload(control, undefined);
        attachLiveRun(control, undefined);
      }
      for (const thread of this.#threads) if (!thread.exited) void thread.worker.terminate();
      await server?.close();
      await controlServer?.close();
    }
  }

  #onMessage(state: ThreadState, message: FromThread): void {
    switch (message.type) {
      case 'ready':
        state.ready = true;
        break;
      case 'snapshot':
        if (message.snapshot.phase === 'warmup') {
          state.warming = message.snapshot;
          break;
        }
        state.last = message.snapshot;
        state.entriesAtLast = state.entries.length;
        break;
      case 'interval':
        state.entries.push(message.entry);
        this.#emitIntervals(false);
        break;
      case 'report':
        state.report = message.report;
        this.#steer?.threadEnded(state.plan.index);
        // It should end by itself now; one that does not is not waited for long.
        setTimeout(() => {
          if (!state.exited) void state.worker.terminate();
        }, EXIT_DEADLINE_MS).unref();
        break;
      case 'failed':
        state.failed = { message: message.message, code: message.code };
        break;
      case 'reloaded':
        this.#onReloaded(message);
        break;
      case 'updated':
        this.#steer?.acknowledged(state.plan.index, message);
        break;
      case 'state-save':
        this.#saveState(state, message);
        break;
      case 'state-load':
        this.#loadState(state, message);
        break;
    }
    this.#notify();
  }

  /** A thread's save, written to the one state file; the answer tells the thread whether it went through. */
  #saveState(state: ThreadState, message: StateSaveMessage): void {
    const store = this.#stateStore;
    if (store === undefined) return;
    void saveForThread(store, message).then((answer) => {
      if (!state.exited) state.worker.postMessage(answer satisfies ToThread);
    });
  }

  /** The saved state of sessions a thread added during the run, read from the one state file. */
  #loadState(state: ThreadState, message: StateLoadMessage): void {
    const store = this.#stateStore;
    if (store === undefined) return;
    void loadForThread(store, message).then((answer) => {
      if (!state.exited) state.worker.postMessage(answer satisfies ToThread);
    });
  }

  #onCrash(state: ThreadState, reason: string): void {
    if (state.crash !== undefined || state.report !== undefined) return;
    state.crash = reason;
    this.#steer?.threadEnded(state.plan.index);
    this.#logger.error(`${reason}; stopping the other threads`);
    this.#stopAll('stopped');
    this.#notify();
  }

  #post(message: ToThread): void {
    for (const thread of this.#threads) if (!thread.exited) thread.worker.postMessage(message);
  }

  /** A live control's stop (the warm-up's or the window's): stops every thread; returns the grace in effect. */
  #controlStop(gracefulStopMs: number | undefined): number {
    this.#stopAll('stopped', gracefulStopMs);
    return this.#graceMs;
  }

  /** `gracefulStopMs`: a control API stop's own grace (default graceful_stop); a later stop cannot change it. */
  #stopAll(reason: StopReason, gracefulStopMs?: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (gracefulStopMs !== undefined) this.#graceMs = gracefulStopMs;
    // The graceful stop's reason: the threads report it (`signal` for the CLI's first SIGINT).
    const message: ToThread = { type: 'stop', reason, ...(gracefulStopMs !== undefined ? { gracefulStopMs } : {}) };
    for (const thread of this.#threads) if (!thread.exited) thread.worker.postMessage(message);
    this.#armStragglers(this.#graceMs + STRAGGLER_MARGIN_MS);
  }

  /**
   * A thread blocked in a job (a loop that never yields) can neither see a stop nor run its own
   * graceful-stop timer: one that has not reported `ms` from now is terminated and counted from
   * its last snapshot, and the report is partial.
   */
  #armStragglers(ms: number): void {
    // The earliest deadline wins: a stop during a long run comes before the end of its duration.
    const at = Date.now() + ms;
    if (this.#stragglerAt !== undefined && this.#stragglerAt <= at) return;
    this.#stragglerAt = at;
    clearTimeout(this.#stragglerTimer);
    this.#stragglerTimer = setTimeout(() => {
      for (const thread of this.#threads) {
        if (thread.exited || thread.report !== undefined || thread.crash !== undefined || thread.terminated) continue;
        thread.hung = `thread ${thread.plan.index} did not stop within graceful_stop (${this.#config.graceful_stop} ms) + ${STRAGGLER_MARGIN_MS} ms: terminated`;
        this.#logger.error(`${thread.hung}; its figures are those of its last snapshot`);
        thread.terminated = true;
        void thread.worker.terminate();
      }
      this.#notify();
    }, ms);
  }

  /**
   * A forced stop: each thread stops at once as run() does (requests in flight are cut off and
   * counted as interrupted); a thread that has not reported within FORCE_DEADLINE_MS is terminated
   * and its report comes from its last snapshot.
   */
  #forceAll(): void {
    if (this.#forced) return;
    this.#forced = true;
    this.#post({ type: 'force' });
    this.#forceTimer = setTimeout(() => {
      for (const thread of this.#threads) {
        if (thread.exited || thread.report !== undefined) continue;
        thread.terminated = true;
        void thread.worker.terminate();
      }
      this.#notify();
    }, FORCE_DEADLINE_MS);
  }

  #notify(): void {
    const changed = this.#changed;
    this.#changed = undefined;
    changed?.();
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => (this.#changed = resolve));
  }

  #allExited(): Promise<void> {
    return this.#until(() => this.#threads.every((t) => t.exited));
  }

  #live(): LiveSnapshot | undefined {
    const snapshots = this.#threads.flatMap((t) => (t.last ? [t.last] : []));
    return snapshots.length === 0 ? undefined : mergeLive(snapshots, this.#config.iterations);
  }

  /** Before the window (no start sent yet): the threads' warm-ups merged, for progress only. */
  #warmingLive(): LiveSnapshot | undefined {
    const warming = this.#startAt === 0 ? this.#threads.flatMap((t) => (t.warming ? [t.warming] : [])) : [];
    return warming.length === 0 ? undefined : mergeLive(warming, 0);
  }

  #tick(): void {
    const onSnapshot = this.#options.onSnapshot;
    const watching = this.#watch.active && !this.#stopping;
    const live = onSnapshot || watching ? this.#live() : undefined;
    if (live === undefined) {
      const warming = this.#warmingLive();
      if (onSnapshot !== undefined && warming !== undefined) this.#emitSnapshot(onSnapshot, warming);
      return;
    }
    // Abort-on-fail thresholds on the merged run: a crossing over all threads stops every thread,
    // also when no single thread's own figures cross it.
    const crossed = watching ? this.#watch.check(live.elapsed_ms, () => live.metrics) : undefined;
    if (crossed !== undefined) {
      this.#logger.warn(`threshold ${crossed.expr} crossed over all threads (value ${String(crossed.value)}): stopping every thread, finishing in-flight iterations`);
      this.#stopAll('threshold');
    }
    if (onSnapshot !== undefined) this.#emitSnapshot(onSnapshot, live);
  }

  #emitSnapshot(onSnapshot: (snapshot: LiveSnapshot) => void, snapshot: LiveSnapshot): void {
    try {
      onSnapshot(snapshot);
    } catch (error) {
      this.#logger.warn('onSnapshot threw; the run goes on', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Emits the merged timeline entries every thread still running has delivered (all of them at the end). */
  #emitIntervals(final: boolean): void {
    const onInterval = this.#options.onInterval;
    for (;;) {
      const k = this.#emitted;
      const running = this.#threads.filter((t) => t.report === undefined && !t.exited);
      if (!final && (running.length === 0 || running.some((t) => t.entries.length <= k))) return;
      const entries = this.#threads.flatMap((t) => (t.entries.length > k ? [t.entries[k] as TimelineEntry] : []));
      if (entries.length === 0) return;
      this.#emitted++;
      if (onInterval === undefined) continue;
      try {
        onInterval(mergeTimelineEntries(entries));
      } catch (error) {
        this.#logger.warn('onInterval threw; the run goes on', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** A thread's report from its last snapshot: what it had reported when it was terminated or crashed. */
  #fromSnapshot(thread: ThreadState, reason: StopReason): RunReport {
    const config = thread.plan.config;
    const last = thread.last;
    const snapshot = last?.metrics ?? new Metrics().snapshot();
    const startedAt = new Date(this.#startAt);
    return buildReport({
      engine: this.#options.engine ?? runnerVersion,
      startedAt,
      finishedAt: new Date(this.#startAt + (last?.elapsed_ms ?? 0)),
      reason,
      model: config.rate > 0 ? 'open' : 'closed',
      target: this.#options.targetLabel ?? (redactUrl(config.target_url) || '(script)'),
      iterations: last?.iterations ?? 0,
      failedIterations: 0,
      interruptedIterations: 0,
      snapshot,
      sessions: { configured: config.number_of_sessions, created: thread.ready ? config.number_of_sessions : 0, failed_to_create: 0 },
      failureReasons: new Map(),
      timeline: thread.entries.slice(0, thread.entriesAtLast),
      config: redactConfig(config) as unknown as Record<string, unknown>,
      stepOrder: config.scenario.map(stepName),
      ...(last?.proxies ? { proxies: last.proxies } : {}),
    });
  }

  /** The merged report; `soFar` (the control API's, while the run goes on): threads still running count as of their latest snapshot. */
  #report(soFar = false): RunReport {
    const parts = this.#threads.map((thread) => {
      if (thread.report !== undefined) return { thread, report: thread.report, ended: 'finished' as const };
      if (soFar && thread.crash === undefined && thread.hung === undefined && !thread.terminated) {
        return { thread, report: this.#fromSnapshot(thread, 'stopped'), ended: 'running' as const };
      }
      if (thread.crash !== undefined) return { thread, report: this.#fromSnapshot(thread, 'stopped'), ended: 'crashed' as const };
      if (thread.hung !== undefined) return { thread, report: this.#fromSnapshot(thread, 'stopped'), ended: 'terminated' as const };
      return { thread, report: this.#fromSnapshot(thread, 'forced'), ended: 'terminated' as const };
    });
    const merged = mergeReports(parts.map((part) => part.report));
    if (this.#forced) merged.reason = 'forced';
    // A threshold the merged run crossed stays crossed, at the value that stopped the run.
    merged.thresholds = this.#watch.finalize(merged.thresholds);
    merged.config = redactConfig(this.#config) as unknown as Record<string, unknown>;
    merged.threads = parts.map(({ thread, report, ended }): ThreadReport => ({
      thread: thread.plan.index,
      sessions: thread.plan.config.number_of_sessions,
      first_session: thread.plan.partition.sessionsBefore + 1,
      ...partTotals(report),
      ended,
    }));
    const crashes = this.#threads.flatMap((t) => [t.crash, t.hung].filter((reason): reason is string => reason !== undefined));
    if (crashes.length > 0) merged.partial = crashes.join('; ');
    return merged;
  }

  /** SIGHUP with threads: every thread re-reads the proxy file; resolves with the first thread's result, rejects with the first error. */
  #reload(): Promise<ProxyReload> {
    const id = ++this.#reloadId;
    const live = this.#threads.filter((t) => !t.exited);
    if (live.length === 0) return Promise.reject(new NoProxyFileError());
    return new Promise<ProxyReload>((resolve, reject) => {
      const outcomes: (ProxyReload | Error)[] = [];
      this.#reloads.set(id, (outcome) => {
        outcomes.push(outcome);
        if (outcomes.length < live.length) return;
        this.#reloads.delete(id);
        const error = outcomes.find((o): o is Error => o instanceof Error);
        if (error !== undefined) reject(error);
        else resolve(outcomes[0] as ProxyReload);
      });
      for (const thread of live) thread.worker.postMessage({ type: 'reload', id } satisfies ToThread);
    });
  }

  #onReloaded(message: Extract<FromThread, { type: 'reloaded' }>): void {
    const settle = this.#reloads.get(message.id);
    if (settle === undefined) return;
    settle(message.ok ? (message.result as ProxyReload) : new RunnerError(message.message ?? 'reload failed', message.code || 'SE_ERR_RUNNER'));
  }
}
