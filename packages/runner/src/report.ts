/**
 * The end-of-run report: one plain, JSON-serialisable object (what `engine
 * run --json` prints and `--out` writes) from which the text summary is
 * rendered and which `mergeReports` combines exactly.
 */
import type { CheckCounts, DropCause, LatencySummary, MetricsSnapshot } from '@session-engine/metrics';
import type { ProxyReport } from '@session-engine/proxy';
import type { SessionStateReport } from './session-state.js';
import type { ThresholdResult } from './thresholds.js';
import { round, type TimelineEntry } from './timeline.js';

/**
 * What ended the run: its `duration`, its `iterations` budget, a `signal`
 * (SIGINT/SIGTERM in the CLI), the caller's AbortSignal (`aborted`), a forced
 * stop (`forced`: in-flight work not waited for), an abort-on-fail
 * `threshold` that was crossed, or `stopped`: a stop asked for through the
 * control API (`POST /v1/stop`, `RunControl.stop()`), or by the engine itself
 * (the worker pool went away, a thread crashed).
 */
export type StopReason = 'duration' | 'iterations' | 'signal' | 'aborted' | 'forced' | 'threshold' | 'stopped';

export const STOP_REASONS: readonly StopReason[] = ['duration', 'iterations', 'signal', 'aborted', 'forced', 'threshold', 'stopped'];

/** Latency figures in milliseconds, plus the HDR histogram (microseconds) they come from. */
export interface LatencyReport extends LatencySummary {
  /** hdr-histogram-js V2 compressed base64, 64-bit counts: decode and add to merge exactly. */
  hdr: string;
}

export interface StepReport {
  total: number;
  success: number;
  failed: number;
  latency: LatencyReport;
}

export interface RunReport {
  /** Engine version that produced the report. */
  engine: string;
  /** When the load window began (after startup). */
  started_at: string;
  finished_at: string;
  /**
   * The load window in seconds: from the first iteration's start to the end of
   * the last (the stop plus the iterations finishing within graceful_stop).
   * Startup and the closing of sessions are not in it.
   */
  duration: number;
  /** Seconds from `run()` until the load window began: fd check, script, proxies, session creation. */
  startup: number;
  reason: StopReason;
  model: 'closed' | 'open';
  target: string;
  total: number;
  success: number;
  failed: number;
  retries: number;
  /** Open model: starts not issued (no idle session, or a full worker-pool queue). */
  dropped: number;
  /**
   * `dropped` by cause, adding up to it: `no_idle_session` (every session was
   * busy or paused: add sessions), `pool_full` (a session was idle but the
   * worker pool's queue was full: add workers). A failing target gives failed
   * requests, never drops.
   */
  dropped_by_cause: Record<DropCause, number>;
  iterations: number;
  /** Iterations that failed (the job threw: expectation, capture, script error, no response). */
  failed_iterations: number;
  /** Iterations cut short by the stop (ended on the run's signal, or still running at the graceful-stop deadline). */
  interrupted_iterations: number;
  /** Mean requests per second over the run. */
  rps: number;
  bytes_received: number;
  /** Milliseconds. */
  latency: LatencyReport;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  /** Failure reasons (expectations, job errors) with a count each, most frequent first. */
  failure_reasons: Record<string, number>;
  /**
   * Config `warmup` > 0: the load run before the window (part of `startup`), not in any other
   * figure: how long it took (seconds, its last iterations included), its iterations, requests
   * (the target saw them too), failed requests and open-model drops. Absent without a warm-up.
   */
  warmup?: WarmupReport;
  /** `preconnected`: sessions whose first connection was opened before the load window (absent in older reports). */
  sessions: { configured: number; created: number; failed_to_create: number; preconnected?: number };
  steps: Record<string, StepReport>;
  /** Checks by name (`<step>.<name>` for a scenario step's checks, the name given to `context.check()` in a script): passes and fails. */
  checks: Record<string, CheckCounts>;
  /** The configured thresholds in order, each with its measured value and whether it held; `[]` without thresholds. */
  thresholds: ThresholdResult[];
  /** Persistent session state (config `session_state`): where, sessions restored and saved, save errors; null without it. */
  session_state: SessionStateReport | null;
  /** One entry per timeline_interval; the entries' requests add up to `total`. */
  timeline: TimelineEntry[];
  /**
   * One row per proxy of `proxy_file` (a reload's removed ones included), credentials masked:
   * requests through it, connection failures, sessions moved away (failovers), its circuit at
   * the end and the time it was unhealthy. `[]` without proxies.
   */
  proxies: ProxyReport[];
  /** Effective configuration, secrets redacted. */
  config: Record<string, unknown>;
  /** Runs split across worker threads (`threads` > 1): each thread's own totals; the fields above are the merged run. */
  threads?: ThreadReport[];
  /**
   * Set when part of the run is missing from the report (a thread crashed or ran out of memory):
   * why. The figures are what the parts had reported until then.
   */
  partial?: string;
  /** A shard's report (`runShard()`, `engine run --shard`): which shard of how many. */
  shard?: { index: number; count: number };
  /** Sharded runs: the run id every shard was given (`--run-id`), or null. */
  run_id?: string | null;
  /** Sharded runs: the common start time the shards waited for (`--start-at`), or null. */
  start_at?: string | null;
  /** Sharded runs: `sha256:<hex>` of the effective config without shard-local keys; the same in every shard of a run. */
  config_hash?: string;
  /** A merged report of shards (`mergeShardReports()`, `engine report merge`): each shard's totals. */
  shards?: ShardRow[];
}

/** The report's `warmup` block: the load run before the window, counted apart. */
export interface WarmupReport {
  /** Seconds. */
  duration: number;
  iterations: number;
  requests: number;
  failed: number;
  dropped: number;
}

/** What each part of a split run (a thread, a shard) lists of its own report in the whole run's. */
export interface PartTotals {
  iterations: number;
  total: number;
  success: number;
  failed: number;
  dropped: number;
  reason: StopReason;
}

/** A part's totals, taken from its report. */
export function partTotals(report: RunReport): PartTotals {
  const { iterations, total, success, failed, dropped, reason } = report;
  return { iterations, total, success, failed, dropped, reason };
}

/** One shard's totals in a merged report of shards. */
export interface ShardRow extends PartTotals {
  /** The shard, 0-based. */
  shard: number;
  /** Where its report came from (the file given to `engine report merge`), when known. */
  source?: string;
  started_at: string;
  sessions: number;
  /** Set when the shard's own report was partial (a thread crashed). */
  partial?: string;
}

/** One worker thread's totals in a report of a run split across threads. */
export interface ThreadReport extends PartTotals {
  /** The thread, 0-based. */
  thread: number;
  /** Its sessions: ids `first_session` to `first_session + sessions - 1`. */
  sessions: number;
  first_session: number;
  /**
   * `finished`: its own report; `terminated` (a forced stop) or `crashed`: built from its last live snapshot;
   * `running`: the report so far (the control API's `GET /v1/report`), as of its latest live snapshot.
   */
  ended: 'finished' | 'terminated' | 'crashed' | 'running';
}

export interface ReportInput {
  engine: string;
  startedAt: Date;
  finishedAt: Date;
  /** Seconds before the load window (default 0). */
  startup?: number;
  /** The warm-up's figures, when there was one. */
  warmup?: WarmupReport;
  reason: StopReason;
  model: 'closed' | 'open';
  target: string;
  iterations: number;
  failedIterations: number;
  interruptedIterations: number;
  snapshot: MetricsSnapshot;
  sessions: RunReport['sessions'];
  failureReasons: ReadonlyMap<string, number>;
  timeline: readonly TimelineEntry[];
  /** Already redacted. */
  config: Record<string, unknown>;
  /** Scenario step names in scenario order; steps are reported in this order. */
  stepOrder?: readonly string[];
  /** Evaluated thresholds (default none). */
  thresholds?: readonly ThresholdResult[];
  /** Per-proxy rows (`ProxyManager.report()`); default none. */
  proxies?: readonly ProxyReport[];
}

export function latencyReport(latency: LatencySummary, hdr: string): LatencyReport {
  return {
    count: latency.count,
    min: round(latency.min),
    mean: round(latency.mean),
    p50: round(latency.p50),
    p90: round(latency.p90),
    p95: round(latency.p95),
    p99: round(latency.p99),
    p999: round(latency.p999),
    max: round(latency.max),
    hdr,
  };
}

/** Orders step names: the scenario's order first, then any other step seen (script jobs), as recorded. */
export function orderSteps<T>(recorded: Readonly<Record<string, T>>, order: readonly string[] = []): [string, T][] {
  const out: [string, T][] = [];
  const seen = new Set<string>();
  for (const name of [...order, ...Object.keys(recorded)]) {
    if (seen.has(name) || !Object.hasOwn(recorded, name)) continue;
    seen.add(name);
    out.push([name, recorded[name] as T]);
  }
  return out;
}

export function sortedReasons(reasons: Iterable<[string, number]>): Record<string, number> {
  return Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]));
}

export function buildReport(input: ReportInput): RunReport {
  const { snapshot } = input;
  const seconds = Math.max(0, (input.finishedAt.getTime() - input.startedAt.getTime()) / 1000);
  const steps: Record<string, StepReport> = {};
  for (const [name, step] of orderSteps(snapshot.steps ?? {}, input.stepOrder)) {
    steps[name] = { total: step.total, success: step.success, failed: step.failed, latency: latencyReport(step.latency, step.histogram) };
  }
  return {
    engine: input.engine,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    duration: round(seconds),
    startup: round(input.startup ?? 0),
    ...(input.warmup === undefined ? {} : { warmup: { ...input.warmup } }),
    reason: input.reason,
    model: input.model,
    target: input.target,
    total: snapshot.total,
    success: snapshot.success,
    failed: snapshot.failed,
    retries: snapshot.retries,
    dropped: snapshot.dropped,
    dropped_by_cause: { ...(snapshot.dropped_by_cause ?? { no_idle_session: snapshot.dropped, pool_full: 0 }) },
    iterations: input.iterations,
    failed_iterations: input.failedIterations,
    interrupted_iterations: input.interruptedIterations,
    rps: round(seconds > 0 ? snapshot.total / seconds : 0, 1),
    bytes_received: snapshot.bytes_received,
    latency: latencyReport(snapshot.latency, snapshot.histogram),
    status_codes: { ...snapshot.status_codes },
    errors: { ...snapshot.errors },
    failure_reasons: sortedReasons(input.failureReasons),
    sessions: input.sessions,
    steps,
    checks: { ...(snapshot.checks ?? {}) },
    thresholds: [...(input.thresholds ?? [])],
    session_state: null,
    timeline: [...input.timeline],
    proxies: [...(input.proxies ?? [])],
    config: input.config,
  };
}
