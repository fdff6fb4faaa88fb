import { httpStatusKind } from '@session-engine/failures';
import { Registry } from 'prom-client';
import { MetricsArgumentError } from './errors.js';
import { IntervalMark } from './interval.js';
import type { IntervalSnapshot } from './interval.js';
import { MetricsState, StepState, type CheckCounts, type DropCause } from './metrics-state.js';
import { DEFAULT_LATENCY_BUCKETS, registerPrometheusMetrics } from './prometheus.js';
import { registerProxyMetrics, type ProxyMetricsRow } from './proxy-metrics.js';
import { MAX_RATE_WINDOW_MS, RateWindow } from './rate-window.js';
import { LatencyHistogram } from './latency-histogram.js';
import { lifetimeRate, mergeSnapshots, setOwn, stepSnapshot, toSortedRecord } from './snapshot.js';
import type { MetricsSnapshot, StepSnapshot } from './snapshot.js';

export interface MetricsOptions {
  /**
   * Monotonic clock in milliseconds for elapsed time and rates (default
   * `performance.now()`). Inject a fake one in tests.
   */
  now?: () => number;
  /** Window of `currentRate()` and of `snapshot().current_rps`, ms, at most 60 000. Default 10 000. */
  rateWindowMs?: number;
  /** Upper bounds of the Prometheus latency histogram buckets, seconds, ascending. */
  latencyBuckets?: readonly number[];
  /** Labels added to every Prometheus series of this instance (e.g. `{ instance: 'w1' }`). */
  defaultLabels?: Record<string, string>;
}

function checkWindow(windowMs: number, name: string): number {
  if (typeof windowMs !== 'number' || !(windowMs > 0 && windowMs <= MAX_RATE_WINDOW_MS)) {
    throw new MetricsArgumentError(`${name} must be a number in (0, ${MAX_RATE_WINDOW_MS}], got ${String(windowMs)}`);
  }
  return windowMs;
}

function checkBuckets(buckets: readonly number[]): readonly number[] {
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (buckets[i - 1] as number)));
  if (!ok) {
    throw new MetricsArgumentError('latencyBuckets must be a non-empty list of positive, finite, strictly ascending seconds');
  }
  return Object.freeze([...buckets]);
}

/**
 * Engine metrics: request counters, status and error breakdowns, HDR latency
 * histograms (overall and per scenario step), lifetime and windowed rates,
 * snapshots that merge exactly, and a Prometheus registry of its own.
 *
 * Recording is synchronous and cheap (counter increments, one histogram
 * bucket increment, no allocation once a status/kind/step has been seen);
 * everything derived is computed when read.
 */
export class Metrics {
  readonly #state = new MetricsState();
  readonly #rate = new RateWindow();
  readonly #interval = new IntervalMark();
  readonly #now: () => number;
  readonly #rateWindowMs: number;
  readonly #registry: Registry;
  #startMs: number;
  #startedAt: string;

  constructor(options: MetricsOptions = {}) {
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new MetricsArgumentError('now must be a function returning milliseconds');
    }
    this.#now = options.now ?? performance.now.bind(performance);
    this.#rateWindowMs = checkWindow(options.rateWindowMs ?? 10_000, 'rateWindowMs');
    const buckets = checkBuckets(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS);
    this.#registry = new Registry();
    if (options.defaultLabels !== undefined) this.#registry.setDefaultLabels(options.defaultLabels);
    registerPrometheusMetrics(this.#registry, this.#state, buckets);
    this.#startMs = this.#now();
    this.#startedAt = new Date().toISOString();
  }

  /**
   * A completed request with an HTTP response. 2xx/3xx count as success; any
   * other status is recorded as a failure of kind `http_<status>` (`http_404`,
   * `http_503`: the failure vocabulary of `@session-engine/failures`)
   * (callers that want their own kind, e.g. `expectation`, call recordFailure).
   */
  recordSuccess(status: number, latencyMicros: number, bytes = 0, step?: string): void {
    if (!(status >= 200 && status < 400)) {
      this.recordFailure(httpStatusKind(status), latencyMicros, status, bytes, step);
      return;
    }
    this.recordExpected(status, latencyMicros, bytes, step);
  }

  /**
   * A completed request whose status the caller declared acceptable (a
   * scenario's `expect_status: 404`, say): counted as success whatever its
   * class, like k6's expected statuses.
   */
  recordExpected(status: number, latencyMicros: number, bytes = 0, step?: string): void {
    const state = this.#state;
    state.success++;
    state.statuses.increment(status);
    this.#complete(latencyMicros, bytes);
    if (step !== undefined) {
      const s = this.#step(step);
      s.success++;
      s.histogram.record(latencyMicros);
    }
  }

  /**
   * A failed request. `kind` is counted as given; the engine passes a kind of
   * `@session-engine/failures` (`ECONNREFUSED`, `timeout`, `http_503`,
   * `expectation`, ...) `status` is the response status if there was one (0 = none).
   */
  recordFailure(kind: string, latencyMicros: number, status = 0, bytes = 0, step?: string): void {
    const state = this.#state;
    state.failed++;
    state.errors.set(kind, (state.errors.get(kind) ?? 0) + 1);
    if (status > 0) state.statuses.increment(status);
    this.#complete(latencyMicros, bytes);
    if (step !== undefined) {
      const s = this.#step(step);
      s.failed++;
      s.histogram.record(latencyMicros);
    }
  }

  /**
   * The outcome of a named check (a scenario step's `checks`, a script's
   * `context.check()`): counted as a pass or a fail, apart from requests. A
   * failed check fails neither a request nor an iteration.
   */
  recordCheck(name: string, ok: boolean): void {
    const checks = this.#state.checks;
    let counts = checks.get(name);
    if (counts === undefined) {
      counts = { passes: 0, fails: 0 };
      checks.set(name, counts);
    }
    if (ok) counts.passes++;
    else counts.fails++;
  }

  /** A request attempt that will be repeated; the final outcome is recorded separately. */
  recordRetry(): void {
    this.#state.retries++;
  }

  /**
   * An open-model start that was skipped, and why: `no_idle_session` (the
   * default, every session busy or paused) or `pool_full` (a session was idle
   * but the worker pool's queue was full).
   */
  recordDropped(cause: DropCause = 'no_idle_session'): void {
    const state = this.#state;
    // Never throws on the record path: a cause from untyped code that is not pool_full counts as the default.
    state.droppedByCause[cause === 'pool_full' ? 'pool_full' : 'no_idle_session']++;
  }

  setActiveSessions(n: number): void {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new MetricsArgumentError(`active sessions must be a finite number >= 0, got ${String(n)}`);
    }
    this.#state.activeSessions = n;
  }

  /** The last value given to `setActiveSessions` (0 until then). */
  get activeSessions(): number {
    return this.#state.activeSessions;
  }

  /** Completed requests per second since the start (or the last reset). */
  requestsPerSecond(): number {
    const s = this.#state;
    return lifetimeRate(s.success + s.failed, this.#now() - this.#startMs);
  }

  /** Completed requests per second over the last `windowMs` (default: the `rateWindowMs` option). */
  currentRate(windowMs: number = this.#rateWindowMs): number {
    checkWindow(windowMs, 'windowMs');
    return this.#rate.rate(this.#now(), windowMs, this.#startMs);
  }

  /** A consistent reading of everything: recording cannot interleave with this synchronous call. */
  snapshot(): MetricsSnapshot {
    const state = this.#state;
    const nowMs = this.#now();
    const elapsedMs = nowMs - this.#startMs;
    const total = state.success + state.failed;
    const statusCodes: Record<string, number> = {};
    state.statuses.forEach((status, count) => {
      statusCodes[String(status)] = count;
    });
    const steps: Record<string, StepSnapshot> = {};
    for (const name of [...state.steps.keys()].sort()) {
      const step = state.steps.get(name) as StepState;
      setOwn(steps, name, stepSnapshot(step.success, step.failed, step.histogram));
    }
    const checks: Record<string, CheckCounts> = {};
    for (const name of [...state.checks.keys()].sort()) {
      const counts = state.checks.get(name) as CheckCounts;
      setOwn(checks, name, { passes: counts.passes, fails: counts.fails });
    }
    return {
      started_at: this.#startedAt,
      elapsed_ms: elapsedMs,
      total,
      success: state.success,
      failed: state.failed,
      retries: state.retries,
      dropped: state.dropped,
      dropped_by_cause: { ...state.droppedByCause },
      bytes_received: state.bytesReceived,
      rps: lifetimeRate(total, elapsedMs),
      current_rps: this.#rate.rate(nowMs, this.#rateWindowMs, this.#startMs),
      active_sessions: state.activeSessions,
      status_codes: statusCodes,
      errors: toSortedRecord(state.errors),
      latency: state.histogram.summary(),
      steps,
      checks,
      histogram: state.histogram.encode(),
    };
  }

  /**
   * The requests completed since the previous `takeInterval()` (or since the
   * start, or the last `reset()`), and the start of a new interval: one entry
   * of a run timeline. Consecutive intervals add up to the snapshot totals, and
   * their histograms to the snapshot histogram. Costs nothing per request: the
   * interval is the difference between the cumulative tallies now and at the
   * previous take.
   */
  takeInterval(): IntervalSnapshot {
    const state = this.#state;
    return this.#interval.take(this.#now() - this.#startMs, state.success, state.failed, state.histogram);
  }

  /** The instance's own prom-client registry (never the global default one). */
  get registry(): Registry {
    return this.#registry;
  }

  /**
   * Adds the per-proxy series (`session_engine_proxy_*{proxy,line}`), read
   * from `read()` at each scrape (`() => proxyManager.report()` fits). Once per
   * instance: a second call throws MetricsArgumentError.
   */
  trackProxies(read: () => readonly ProxyMetricsRow[]): void {
    if (typeof read !== 'function') throw new MetricsArgumentError('trackProxies needs a function returning the proxy rows');
    if (this.#registry.getSingleMetric('session_engine_proxy_requests_total') !== undefined) {
      throw new MetricsArgumentError('trackProxies was called already on this Metrics instance');
    }
    registerProxyMetrics(this.#registry, read);
  }

  /** Content-Type header for the `prometheus()` text. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** Prometheus text exposition of this instance's metrics. */
  prometheus(): Promise<string> {
    return this.#registry.metrics();
  }

  /**
   * Sets every tally (counts, statuses, errors, histograms, steps, checks, the
   * active-sessions gauge) to the exact merge of `snapshots`, so `prometheus()`
   * exposes a run recorded elsewhere: the main thread of a run across worker
   * threads serves their merged figures this way. The Prometheus `_sum` of the
   * latency is the histogram's mean times its count (within its 3 significant
   * digits). Rates, clocks and intervals are not touched.
   */
  mirror(...snapshots: MetricsSnapshot[]): void {
    const merged = mergeSnapshots(...snapshots);
    const state = this.#state;
    state.reset();
    state.success = merged.success;
    state.failed = merged.failed;
    state.retries = merged.retries;
    state.droppedByCause.no_idle_session = merged.dropped_by_cause?.no_idle_session ?? merged.dropped;
    state.droppedByCause.pool_full = merged.dropped_by_cause?.pool_full ?? 0;
    state.bytesReceived = merged.bytes_received;
    state.activeSessions = merged.active_sessions;
    state.histogram.add(LatencyHistogram.decode(merged.histogram));
    state.latencySumMicros = Math.round(merged.latency.mean * merged.latency.count * 1000);
    for (const [status, count] of Object.entries(merged.status_codes)) state.statuses.add(Number(status), count);
    for (const [kind, count] of Object.entries(merged.errors)) state.errors.set(kind, count);
    for (const [name, step] of Object.entries(merged.steps)) {
      const into = new StepState();
      into.success = step.success;
      into.failed = step.failed;
      into.histogram.add(LatencyHistogram.decode(step.histogram));
      state.steps.set(name, into);
    }
    for (const [name, counts] of Object.entries(merged.checks ?? {})) state.checks.set(name, { passes: counts.passes, fails: counts.fails });
  }

  /** Zeroes every tally, restarts the clocks and the interval; the active-sessions gauge keeps its value. */
  reset(): void {
    this.#state.reset();
    this.#rate.reset();
    this.#interval.reset();
    this.#startMs = this.#now();
    this.#startedAt = new Date().toISOString();
  }

  #complete(latencyMicros: number, bytes: number): void {
    const state = this.#state;
    state.latencySumMicros += state.histogram.record(latencyMicros);
    if (bytes > 0) state.bytesReceived += bytes;
    this.#rate.record(this.#now());
  }

  #step(name: string): StepState {
    let step = this.#state.steps.get(name);
    if (step === undefined) {
      step = new StepState();
      this.#state.steps.set(name, step);
    }
    return step;
  }
}
