import { Counter, Gauge } from 'prom-client';
import type { Metric, Registry } from 'prom-client';
import { DROP_CAUSES, type MetricsState } from './metrics-state.js';
import { HdrPrometheusHistogram } from './prometheus-histogram.js';

/** Default latency buckets in seconds: 1 ms to 60 s. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/**
 * Registers the engine's metrics on `registry`. Every value is copied from
 * `state` in a collect callback at scrape time (counters are reset, then
 * incremented to the tally), so recording a request never touches prom-client.
 */
export function registerPrometheusMetrics(
  registry: Registry,
  state: MetricsState,
  latencyBuckets: readonly number[],
): void {
  const registers = [registry];

  new Counter({
    name: 'session_engine_requests_total',
    help: 'Completed requests by outcome (success = 2xx/3xx).',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ outcome: 'success' }, state.success);
      this.inc({ outcome: 'failed' }, state.failed);
    },
  });

  new Counter({
    name: 'session_engine_responses_total',
    help: 'Responses received, by HTTP status code.',
    labelNames: ['status_code'] as const,
    registers,
    collect() {
      this.reset();
      state.statuses.forEach((status, count) => this.inc({ status_code: status }, count));
    },
  });

  new Counter({
    name: 'session_engine_request_errors_total',
    help: 'Failed requests, by failure kind (ECONNREFUSED, timeout, http_503, expectation, ...; see docs/errors.md#failure-kinds).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of state.errors) this.inc({ kind }, count);
    },
  });

  new Counter({
    name: 'session_engine_step_requests_total',
    help: 'Completed requests of scenario steps, by step and outcome.',
    labelNames: ['step', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      for (const [step, s] of state.steps) {
        this.inc({ step, outcome: 'success' }, s.success);
        this.inc({ step, outcome: 'failed' }, s.failed);
      }
    },
  });

  new Counter({
    name: 'session_engine_retries_total',
    help: 'Request attempts repeated after a retryable failure.',
    registers,
    collect() {
      this.reset();
      this.inc(state.retries);
    },
  });

  new Counter({
    name: 'session_engine_dropped_total',
    help: 'Open-model iterations not started, by cause: no_idle_session (every session busy or paused), pool_full (the worker pool queue was full).',
    labelNames: ['cause'] as const,
    registers,
    collect() {
      this.reset();
      for (const cause of DROP_CAUSES) this.inc({ cause }, state.droppedByCause[cause]);
    },
  });

  new Counter({
    name: 'session_engine_received_bytes_total',
    help: 'Response body bytes received.',
    registers,
    collect() {
      this.reset();
      this.inc(state.bytesReceived);
    },
  });

  new Gauge({
    name: 'session_engine_active_sessions',
    help: 'Sessions currently active.',
    registers,
    collect() {
      this.set(state.activeSessions);
    },
  });

  const latency = new HdrPrometheusHistogram(
    'session_engine_request_duration_seconds',
    'Request latency in seconds (HDR histogram, 3 significant digits).',
    latencyBuckets,
    () => ({ histogram: state.histogram, sumSeconds: state.latencySumMicros / 1_000_000 }),
  );
  // The registry only calls name/help/type/aggregator/get/reset; see HdrPrometheusHistogram.
  registry.registerMetric(latency as unknown as Metric);
}
