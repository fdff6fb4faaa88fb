/**
 * The report's timeline: one entry per `timeline_interval`, built from the
 * metrics' per-interval readings. Entries carry their interval's HDR
 * histogram, so timelines of runs side by side (threads, machines) merge
 * exactly by `t`.
 *
 * Cost: an entry is a small object plus its encoded histogram, typically
 * 100-400 bytes for a one-second interval; a 24-hour run at 1 s keeps 86,400
 * entries (roughly 10-40 MB). Raise `timeline_interval` for longer runs.
 */
import type { IntervalSnapshot } from '@session-engine/metrics';

export interface TimelineEntry {
  /** Seconds since the run started, at the start of this interval (0, 1, 2, ... for 1 s intervals). */
  t: number;
  /** Requests completed in the interval. */
  requests: number;
  failed: number;
  /** Requests completed per second over the interval's actual length. */
  rps: number;
  /** Latency of the requests completed in the interval, ms. */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Sessions taking work at the end of the interval. */
  active_sessions: number;
  /** Iterations started in the interval. */
  iterations: number;
  /** The interval's HDR histogram (microseconds), compressed base64, 64-bit counts. */
  hdr: string;
}

export const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export class Timeline {
  readonly #entries: TimelineEntry[] = [];
  readonly #intervalMs: number;
  #lastEndMs = 0;
  #lastIterations = 0;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  get entries(): readonly TimelineEntry[] {
    return this.#entries;
  }

  /**
   * Adds the interval that just ended. `final`: the run's last, possibly
   * short, interval; it is dropped when nothing happened in it.
   */
  add(interval: IntervalSnapshot, activeSessions: number, iterationsStarted: number, final = false): void {
    const iterations = iterationsStarted - this.#lastIterations;
    const lengthMs = interval.elapsed_ms - this.#lastEndMs;
    this.#lastIterations = iterationsStarted;
    this.#lastEndMs = interval.elapsed_ms;
    if (final && interval.total === 0 && iterations === 0) return;
    this.#entries.push({
      t: round((this.#entries.length * this.#intervalMs) / 1000),
      requests: interval.total,
      failed: interval.failed,
      rps: round(lengthMs > 0 ? (interval.total * 1000) / lengthMs : 0, 1),
      latency: {
        p50: round(interval.latency.p50),
        p95: round(interval.latency.p95),
        p99: round(interval.latency.p99),
        max: round(interval.latency.max),
      },
      active_sessions: activeSessions,
      iterations,
      hdr: interval.histogram,
    });
  }
}
