/**
 * Thresholds: pass/fail criteria (`p(95)<300ms`, `error_rate<1%`) evaluated on
 * the final report, and, for the abort-on-fail ones, on live snapshots every
 * timeline interval. Latency percentiles are read from the HDR histograms the
 * report carries, so `p(97.5)` is as exact as `p(95)`.
 */
import { parseThreshold, thresholdHolds, thresholdMetricKind, type ParsedThreshold, type ThresholdConfig } from '@session-engine/config';
import { LatencyHistogram, type CheckCounts, type MetricsSnapshot } from '@session-engine/metrics';
import { ReportFormatError } from './errors.js';
import type { RunReport } from './report.js';
import { round } from './timeline.js';

/** One threshold in the report: the expression, what was measured, and whether it held. */
export interface ThresholdResult {
  /** The expression as configured, e.g. `"p(95)<300ms"` (a trailing `!` included). */
  expr: string;
  /**
   * The measured value: milliseconds for latency (`p(N)`, `avg`, `min`, `max`,
   * `med`), a fraction from 0 to 1 for `error_rate` and `checks`, requests per
   * second for `rps`, a count for `failed`, `total` and `dropped`. `null` when
   * there was nothing to measure (no request, no check, a step that never ran):
   * then the threshold is crossed.
   */
  value: number | null;
  /** The threshold held. `false` also when it stopped the run (abort on fail): then `value` is the one that crossed it. */
  ok: boolean;
}

/** A threshold ready to evaluate: its config entry and the parsed expression. */
export interface CompiledThreshold {
  readonly config: ThresholdConfig;
  readonly parsed: ParsedThreshold;
}

/** What thresholds read: the final report or a live snapshot, in one shape. */
export interface ThresholdSource {
  total: number;
  failed: number;
  dropped: number;
  /** Seconds of load, for `rps`. */
  seconds: number;
  /** Encoded HDR histogram (microseconds) of every request. */
  hdr: string;
  steps: Readonly<Record<string, { total: number; failed: number; hdr: string }>>;
  checks: Readonly<Record<string, CheckCounts>>;
}

/** Parses the config's thresholds once (the config has validated them already). */
export function compileThresholds(thresholds: readonly ThresholdConfig[]): CompiledThreshold[] {
  return thresholds.map((config) => ({ config, parsed: parseThreshold(config.threshold) }));
}

export function sourceOfReport(report: RunReport): ThresholdSource {
  const steps: Record<string, { total: number; failed: number; hdr: string }> = {};
  for (const [name, step] of Object.entries(report.steps)) steps[name] = { total: step.total, failed: step.failed, hdr: step.latency.hdr };
  return {
    total: report.total,
    failed: report.failed,
    dropped: report.dropped,
    seconds: report.duration,
    hdr: report.latency.hdr,
    steps,
    checks: report.checks ?? {},
  };
}

export function sourceOfSnapshot(snapshot: MetricsSnapshot): ThresholdSource {
  const steps: Record<string, { total: number; failed: number; hdr: string }> = {};
  for (const [name, step] of Object.entries(snapshot.steps)) steps[name] = { total: step.total, failed: step.failed, hdr: step.histogram };
  return {
    total: snapshot.total,
    failed: snapshot.failed,
    dropped: snapshot.dropped,
    seconds: snapshot.elapsed_ms / 1000,
    hdr: snapshot.histogram,
    steps,
    checks: snapshot.checks ?? {},
  };
}

/** Decoded histograms by step ('' = all requests), so several thresholds decode each once. */
type HistogramCache = Map<string, LatencyHistogram>;

function histogramOf(source: ThresholdSource, step: string | undefined, cache: HistogramCache): LatencyHistogram | undefined {
  const key = step ?? '';
  let histogram = cache.get(key);
  if (histogram === undefined) {
    const encoded = step === undefined ? source.hdr : source.steps[step]?.hdr;
    if (encoded === undefined) return undefined;
    try {
      histogram = LatencyHistogram.decode(encoded);
    } catch (cause) {
      throw new ReportFormatError(`${step === undefined ? 'latency.hdr' : `steps.${step}.latency.hdr`} is not an encoded HDR histogram`, { cause });
    }
    cache.set(key, histogram);
  }
  return histogram;
}

/** The value a threshold reads from `source`, unrounded; `null` when there is nothing to measure. */
export function measureThreshold(threshold: ParsedThreshold, source: ThresholdSource, cache: HistogramCache = new Map()): number | null {
  const { metric, step } = threshold;
  const counts = step === undefined ? source : source.steps[step];
  switch (metric) {
    case 'p':
    case 'avg':
    case 'min':
    case 'max':
    case 'med': {
      const histogram = histogramOf(source, step, cache);
      if (histogram === undefined || histogram.count === 0) return null;
      if (metric === 'p') return histogram.percentile(threshold.percentile ?? 0);
      if (metric === 'med') return histogram.percentile(50);
      const summary = histogram.summary();
      return metric === 'avg' ? summary.mean : summary[metric];
    }
    case 'error_rate':
      return counts === undefined || counts.total === 0 ? null : counts.failed / counts.total;
    case 'rps':
      return source.seconds > 0 ? (counts?.total ?? 0) / source.seconds : null;
    case 'failed':
      return counts?.failed ?? 0;
    case 'total':
      return counts?.total ?? 0;
    case 'dropped':
      return source.dropped;
    case 'checks': {
      let passes = 0;
      let fails = 0;
      const prefix = step === undefined ? undefined : `${step}.`;
      for (const [name, check] of Object.entries(source.checks)) {
        if (prefix !== undefined && !name.startsWith(prefix)) continue;
        passes += check.passes;
        fails += check.fails;
      }
      return passes + fails === 0 ? null : passes / (passes + fails);
    }
  }
}

/** Rounded for the report: 3 decimals for ms and req/s, 6 for rates, counts as they are. */
function shown(threshold: ParsedThreshold, value: number | null): number | null {
  if (value === null) return null;
  const kind = thresholdMetricKind(threshold.metric);
  return kind === 'rate' ? round(value, 6) : round(value, 3);
}

/** Evaluates each threshold on `source`: what the report's `thresholds` holds. */
export function evaluateThresholds(thresholds: readonly CompiledThreshold[], source: ThresholdSource): ThresholdResult[] {
  const cache: HistogramCache = new Map();
  return thresholds.map(({ config, parsed }) => {
    const value = measureThreshold(parsed, source, cache);
    return { expr: config.threshold, value: shown(parsed, value), ok: value !== null && thresholdHolds(parsed, value) };
  });
}

/**
 * Watches the abort-on-fail thresholds during a run: `check()` is called once
 * per timeline interval with a live snapshot and returns the first threshold
 * crossed (past its delay), which stops the run. A crossed threshold stays
 * crossed in the final report, with the value that crossed it.
 */
export class ThresholdWatch {
  readonly #watched: readonly CompiledThreshold[];
  readonly #tripped = new Map<string, number | null>();

  constructor(thresholds: readonly CompiledThreshold[]) {
    this.#watched = thresholds.filter((threshold) => threshold.config.abort_on_fail);
  }

  /** Whether any threshold aborts on fail (else `check()` never needs a snapshot). */
  get active(): boolean {
    return this.#watched.length > 0;
  }

  /** The first watched threshold crossed at `elapsedMs`, or undefined. Thresholds with nothing to measure yet wait. */
  check(elapsedMs: number, snapshot: () => MetricsSnapshot): ThresholdResult | undefined {
    const due = this.#watched.filter((threshold) => elapsedMs >= threshold.config.delay && !this.#tripped.has(threshold.config.threshold));
    if (due.length === 0) return undefined;
    const source = sourceOfSnapshot(snapshot());
    const cache: HistogramCache = new Map();
    for (const { config, parsed } of due) {
      const value = measureThreshold(parsed, source, cache);
      // No data yet (no request finished, no check ran) is not a crossing during the run.
      if (value === null || thresholdHolds(parsed, value)) continue;
      const result = { expr: config.threshold, value: shown(parsed, value), ok: false };
      this.#tripped.set(config.threshold, result.value);
      return result;
    }
    return undefined;
  }

  /** The final results with the thresholds that stopped the run marked crossed, at the value that crossed them. */
  finalize(results: readonly ThresholdResult[]): ThresholdResult[] {
    return results.map((result) => (this.#tripped.has(result.expr) ? { expr: result.expr, value: this.#tripped.get(result.expr) ?? null, ok: false } : result));
  }
}
