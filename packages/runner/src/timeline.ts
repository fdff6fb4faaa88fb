/**
 * The report's timeline: one entry per `timeline_interval`, built from the
 * metrics' per-interval readings. Entries carry their interval's HDR
 * histogram, so timelines of runs side by side (threads, machines) merge
 * exactly by `t`.
 *
 * Cost: an entry is a small object plus its histogram at 1% resolution;
 * measured at 30,000 requests/s with a wide latency spread, about 0.5 KB per
 * entry in JSON (at most 0.9 KB). A 24-hour run at 1 s keeps 86,400 entries,
 * roughly 45 MB; `timeline_interval: "10s"` makes that about 4.5 MB.
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
  /** Latency of the requests completed in the interval, ms (within 1%: read from `hdr`). */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Sessions taking work at the end of the interval. */
  active_sessions: number;
  /** Iterations started in the interval. */
  iterations: number;
  /** The interval's HDR histogram (microseconds, 2 significant digits), compressed base64, 64-bit counts. */
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
   * Adds the interval that just ended and returns its entry. `final`: the
   * run's last, possibly short, interval; it is dropped (undefined) when
   * nothing happened in it.
   */
  add(interval: IntervalSnapshot, activeSessions: number, iterationsStarted: number, final = false): TimelineEntry | undefined {
    const iterations = iterationsStarted - this.#lastIterations;
    const lengthMs = interval.elapsed_ms - this.#lastEndMs;
    this.#lastIterations = iterationsStarted;
    this.#lastEndMs = interval.elapsed_ms;
    if (final && interval.total === 0 && iterations === 0) return undefined;
    const entry: TimelineEntry = {
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
    };
    this.#entries.push(entry);
    return entry;
  }
}
