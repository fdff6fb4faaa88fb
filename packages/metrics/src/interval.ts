import { LatencyHistogram } from './latency-histogram.js';
import type { LatencySummary } from './latency-histogram.js';

/** What `Metrics.takeInterval()` returns: the requests completed during one interval of a run timeline. */
export interface IntervalSnapshot {
  /** ms since the metrics started (the Metrics clock) at the end of this interval */
  elapsed_ms: number;
  total: number;
  success: number;
  failed: number;
  /** latency of the requests completed in this interval (ms) */
  latency: LatencySummary;
  /**
   * the interval's HDR histogram (microseconds), compressed base64, 64-bit
   * buckets, at 2 significant digits (1%): small enough to keep one per second
   * for a day; `latency` is read from these same counts
   */
  histogram: string;
}

/**
 * The tallies as they stood at the end of the previous interval. Taking an
 * interval subtracts them from the cumulative tallies, so the record path pays
 * nothing for intervals; the cost (a few passes over the bucket counts) is paid
 * once per take.
 */
export class IntervalMark {
  #success = 0;
  #failed = 0;
  /** Made on the first take: instances that never take an interval keep no second histogram. */
  #histogram: LatencyHistogram | undefined;

  /** The interval since the mark, given the cumulative tallies now; moves the mark to now. */
  take(elapsedMs: number, success: number, failed: number, cumulative: LatencyHistogram): IntervalSnapshot {
    const interval = LatencyHistogram.create();
    interval.add(cumulative);
    if (this.#histogram === undefined) {
      this.#histogram = LatencyHistogram.create();
    } else {
      interval.subtract(this.#histogram);
    }
    this.#histogram.add(interval);
    const intervalSuccess = success - this.#success;
    const intervalFailed = failed - this.#failed;
    this.#success = success;
    this.#failed = failed;
    // Timelines keep one of these per interval for the whole run: 1% buckets
    // keep them small, and the summary is read from the same coarse counts so
    // that an interval's figures equal those of merged intervals exactly.
    const histogram = interval.encode(2);
    return {
      elapsed_ms: elapsedMs,
      total: intervalSuccess + intervalFailed,
      success: intervalSuccess,
      failed: intervalFailed,
      latency: LatencyHistogram.decode(histogram).summary(),
      histogram,
    };
  }

  /** Back to zero, for `Metrics.reset()`. */
  reset(): void {
    this.#success = 0;
    this.#failed = 0;
    this.#histogram?.reset();
  }
}
