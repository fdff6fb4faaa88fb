/**
 * Whole-request deadlines without a timer per request. An AbortController and
 * a setTimeout per request cost more than the rest of the request bookkeeping
 * together; here in-flight requests sit in a set that one interval timer
 * sweeps, firing at most `resolution` ms late.
 */
export interface Expirable {
  /** performance.now() value after which the request is overdue. */
  deadline: number;
  expire(): void;
}

export class Deadlines {
  readonly #pending = new Set<Expirable>();
  readonly #resolution: number;
  #timer: NodeJS.Timeout | undefined;

  /** `timeout` is the deadline length these requests use; the sweep runs at a tenth of it (10-250 ms). */
  constructor(timeout: number) {
    this.#resolution = Math.min(250, Math.max(10, Math.floor(timeout / 10)));
  }

  get size(): number {
    return this.#pending.size;
  }

  add(entry: Expirable): void {
    this.#pending.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#resolution);
      this.#timer.unref();
    }
  }

  delete(entry: Expirable): void {
    this.#pending.delete(entry);
  }

  #sweep(): void {
    // Stopped lazily on an empty sweep, so back-to-back requests do not start and stop the timer.
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry);
        entry.expire();
      }
    }
  }
}
