/**
 * Whole-request deadlines without a timer per request. An AbortController and
 * a setTimeout per request cost more than the rest of the request bookkeeping
 * together; here in-flight requests sit in a list that one interval timer
 * sweeps, firing at most `resolution` ms late.
 *
 * The list is an array with swap-remove (each entry knows its index), not a
 * Set: a Set with an add and a delete per request rehashes every few dozen
 * requests, and V8 links each obsolete hash table to its successor. Once one
 * table of that chain is in the old generation, every later table and every
 * request it held survive each scavenge until the next full GC (measured:
 * half of what a request allocates was promoted, and scavenges took 13% of
 * the CPU at 1000 sessions).
 */
export interface Expirable {
  /** performance.now() value after which the request is overdue. */
  deadline: number;
  /** Where the entry sits in its sweeper's list; -1 when it is in none. Owned by `Deadlines`. */
  deadlineSlot: number;
  expire(): void;
}

export class Deadlines {
  readonly #pending: Expirable[] = [];
  readonly #resolution: number;
  #timer: NodeJS.Timeout | undefined;

  /** `timeout` is the deadline length these requests use; the sweep runs at a tenth of it (10-250 ms). */
  constructor(timeout: number) {
    this.#resolution = Math.min(250, Math.max(10, Math.floor(timeout / 10)));
  }

  get size(): number {
    return this.#pending.length;
  }

  add(entry: Expirable): void {
    if (entry.deadlineSlot >= 0) return;
    entry.deadlineSlot = this.#pending.length;
    this.#pending.push(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#resolution);
      this.#timer.unref();
    }
  }

  delete(entry: Expirable): void {
    const slot = entry.deadlineSlot;
    if (slot < 0 || this.#pending[slot] !== entry) return;
    entry.deadlineSlot = -1;
    const last = this.#pending.pop() as Expirable;
    if (last !== entry) {
      this.#pending[slot] = last;
      last.deadlineSlot = slot;
    }
  }

  #sweep(): void {
    // Stopped lazily on an empty sweep, so back-to-back requests do not start and stop the timer.
    if (this.#pending.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = performance.now();
    // Backwards: a removal moves the last entry into the freed slot, which was already looked at.
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      // An expire() can settle other entries (a redirect chain's hops share a deadline); stay in range.
      const entry = this.#pending[i];
      if (entry === undefined) continue;
      if (entry.deadline <= now) {
        this.delete(entry);
        entry.expire();
      }
    }
  }
}
