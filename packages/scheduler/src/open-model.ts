import type { StageConfig } from './contracts.js';
import { arrivalTime, arrivalsBy, stageValue } from './stages.js';

/** Which arrivals of the run's one schedule a scheduler takes: k = offset, offset + stride, ... */
export interface ArrivalStride {
  /** The first arrival taken (0-based), `0 <= offset < stride`. */
  offset: number;
  /** Take every `stride`-th arrival (1 = all of them). */
  stride: number;
}

/**
 * Hands out the intended start times of an open-model run, in order. Each
 * time is computed from its index, so they never drift or bunch up.
 *
 * With a stride, it hands out only arrivals k = offset, offset + stride, ...
 * of the same schedule (ramps included): side-by-side parts (threads, shards)
 * each take one such subset, and together they issue exactly the single
 * schedule's starts, evenly interleaved rather than in coinciding bursts.
 */
export class ArrivalSchedule {
  readonly #stages: readonly StageConfig[];
  #startRate: number;
  #constant: boolean;
  readonly #stride: number;
  #k: number;
  #next: number;
  /** After `setRate()`: arrival `#kBase` is due at `#origin`, the next ones 1/rate apart. */
  #origin = 0;
  #kBase = 0;
  /** The time of the last arrival taken (`-Infinity` before the first). */
  #last = Number.NEGATIVE_INFINITY;

  constructor(stages: readonly StageConfig[], startRate: number, stride: ArrivalStride = { offset: 0, stride: 1 }) {
    this.#stages = stages;
    this.#startRate = startRate;
    this.#constant = stages.length === 0;
    this.#stride = stride.stride;
    this.#k = stride.offset;
    this.#next = this.#timeOf(this.#k);
  }

  #timeOf(k: number): number {
    if (!this.#constant) return arrivalTime(this.#stages, this.#startRate, k);
    const n = k - this.#kBase;
    return this.#startRate > 0 ? this.#origin + (n * 1000) / this.#startRate : n === 0 ? this.#origin : Number.POSITIVE_INFINITY;
  }

  /** The whole run's rate (starts/s) at `t` ms since the start. */
  rateAt(t: number): number {
    return this.#constant ? this.#startRate : stageValue(this.#stages, this.#startRate, t);
  }

  /**
   * From `at` (ms since start) on, a constant `rate` (the whole run's starts
   * per second; stages no longer apply). The next arrival comes one new
   * interval after the last one taken (or at `at` if that is later), so
   * arrivals stay evenly spaced across the change: no burst, no gap.
   */
  setRate(rate: number, at: number): void {
    const interval = (1000 * this.#stride) / rate;
    this.#constant = true;
    this.#startRate = rate;
    this.#kBase = this.#k;
    this.#origin = Math.max(at, this.#last + interval);
    this.#next = this.#timeOf(this.#k);
  }

  /**
   * Passes over the arrivals due before `at` without handing them out (a
   * pause): after it, the schedule goes on from `at`, with no catch-up burst.
   */
  skipTo(at: number): void {
    if (this.#next >= at) return;
    // The index due at `at`, from the closed form; then step to this schedule's stride.
    const due = this.#constant
      ? this.#kBase + ((at - this.#origin) * this.#startRate) / 1000
      : arrivalsBy(this.#stages, this.#startRate, at);
    const steps = Math.max(0, Math.ceil((due - this.#k) / this.#stride - 1e-9));
    this.#k += steps * this.#stride;
    this.#next = this.#timeOf(this.#k);
    // Float rounding at the boundary: never hand out one that is still before `at`.
    while (this.#next < at) {
      this.#k += this.#stride;
      this.#next = this.#timeOf(this.#k);
    }
  }

  /** Time (ms since start) of the next arrival; `Infinity` if there is none. */
  peek(): number {
    return this.#next;
  }

  /** Consumes the next arrival and returns its time. */
  take(): number {
    const time = this.#next;
    this.#last = time;
    this.#k += this.#stride;
    this.#next = this.#timeOf(this.#k);
    return time;
  }
}
