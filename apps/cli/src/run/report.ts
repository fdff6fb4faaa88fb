/**
 * The end-of-run report: one plain object that `--json` prints and `--out`
 * writes, and from which the human summary is rendered.
 */
import type { LatencySummary, MetricsSnapshot } from '@session-engine/metrics';

export type StopReason = 'duration' | 'iterations' | 'stopped' | 'signal' | 'forced';

/** Milliseconds, as in metrics snapshots. */
export type LatencyReport = LatencySummary;

export interface StepReport {
  total: number;
  success: number;
  failed: number;
  latency: LatencyReport;
}

export interface RunReport {
  /** Engine version that produced the report. */
  engine: string;
  started_at: string;
  finished_at: string;
  /** Wall-clock length of the run in seconds. */
  duration: number;
  reason: StopReason;
  model: 'closed' | 'open';
  target: string;
  total: number;
  success: number;
  failed: number;
  retries: number;
  /** Open model: starts that found no idle session. */
  dropped: number;
  iterations: number;
  /** Iterations that failed (the job threw: expectation, capture, script error, no response). */
  failed_iterations: number;
  /** Mean requests per second over the run. */
  rps: number;
  bytes_received: number;
  /** Milliseconds. */
  latency: LatencyReport;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  /** Failure reasons (expectations, job errors) with a count each, most frequent first. */
  failure_reasons: Record<string, number>;
  sessions: { configured: number; created: number; failed_to_create: number };
  steps: Record<string, StepReport>;
  /** Effective configuration, secrets redacted. */
  config: Record<string, unknown>;
}

export interface ReportInput {
  engine: string;
  startedAt: Date;
  finishedAt: Date;
  reason: StopReason;
  model: 'closed' | 'open';
  target: string;
  iterations: number;
  failedIterations: number;
  snapshot: MetricsSnapshot;
  sessions: RunReport['sessions'];
  failureReasons: ReadonlyMap<string, number>;
  config: Record<string, unknown>;
  /** Scenario step names in scenario order; steps are reported in this order. */
  stepOrder?: readonly string[];
}

const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

function latencyOf(latency: MetricsSnapshot['latency']): LatencyReport {
  return {
    count: latency.count,
    min: round(latency.min),
    mean: round(latency.mean),
    p50: round(latency.p50),
    p90: round(latency.p90),
    p99: round(latency.p99),
    p999: round(latency.p999),
    max: round(latency.max),
  };
}

export function buildReport(input: ReportInput): RunReport {
  const { snapshot } = input;
  const seconds = Math.max(0, (input.finishedAt.getTime() - input.startedAt.getTime()) / 1000);
  const steps: Record<string, StepReport> = {};
  const recorded = snapshot.steps ?? {};
  const names = [...(input.stepOrder ?? []).filter((name) => name in recorded), ...Object.keys(recorded)];
  for (const name of names) {
    const step = recorded[name];
    if (step === undefined || name in steps) continue;
    steps[name] = { total: step.total, success: step.success, failed: step.failed, latency: latencyOf(step.latency) };
  }
  const reasons = [...input.failureReasons.entries()].sort((a, b) => b[1] - a[1]);
  return {
    engine: input.engine,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    duration: round(seconds),
    reason: input.reason,
    model: input.model,
    target: input.target,
    total: snapshot.total,
    success: snapshot.success,
    failed: snapshot.failed,
    retries: snapshot.retries,
    dropped: snapshot.dropped,
    iterations: input.iterations,
    failed_iterations: input.failedIterations,
    rps: round(seconds > 0 ? snapshot.total / seconds : 0, 1),
    bytes_received: snapshot.bytes_received,
    latency: latencyOf(snapshot.latency),
    status_codes: { ...snapshot.status_codes },
    errors: { ...snapshot.errors },
    failure_reasons: Object.fromEntries(reasons),
    sessions: input.sessions,
    steps,
    config: input.config,
  };
}
