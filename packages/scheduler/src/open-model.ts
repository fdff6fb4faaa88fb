import type { StageConfig } from './contracts.js';
import { arrivalTime } from './stages.js';

/**
 * Hands out the intended start times of an open-model run, in order. Each
 * time is computed from its index, so they never drift or bunch up.
 */
export class ArrivalSchedule {
  readonly #stages: readonly StageConfig[];
  readonly #startRate: number;
  readonly #constant: boolean;
  #k = 0;
  #next: number;

  constructor(stages: readonly StageConfig[], startRate: number) {
    this.#stages = stages;
    this.#startRate = startRate;
    this.#constant = stages.length === 0;
    this.#next = 0;
  }

  /** Time (ms since start) of the next arrival; `Infinity` if there is none. */
  peek(): number {
    return this.#next;
  }

  /** Consumes the next arrival and returns its time. */
  take(): number {
    const time = this.#next;
    this.#k++;
    this.#next = this.#constant
      ? this.#startRate > 0
        ? (this.#k * 1000) / this.#startRate
        : Number.POSITIVE_INFINITY
      : arrivalTime(this.#stages, this.#startRate, this.#k);
    return time;
  }
}
