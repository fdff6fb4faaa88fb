/**
 * Counts occurrences per key, tracking at most `limit` distinct keys. Keys beyond the limit are
 * still counted in `untracked` so totals stay right while memory stays bounded during long runs
 * against a server that sees a new connection (or cookie) every request.
 */
export class CappedCounter<K extends string | number = string> {
  readonly #limit: number;
  #counts = new Map<K, number>();
  #untracked = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds one to `key`; returns false when the key could not be tracked (limit reached). */
  increment(key: K): boolean {
    const current = this.#counts.get(key);
    if (current !== undefined) {
      this.#counts.set(key, current + 1);
      return true;
    }
    if (this.#counts.size >= this.#limit) {
      this.#untracked++;
      return false;
    }
    this.#counts.set(key, 1);
    return true;
  }

  get size(): number {
    return this.#counts.size;
  }

  /** Occurrences of keys that arrived after the limit was reached. */
  get untracked(): number {
    return this.#untracked;
  }

  keys(): K[] {
    return [...this.#counts.keys()];
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, count] of this.#counts) out[String(key)] = count;
    return out;
  }

  clear(): void {
    this.#counts = new Map();
    this.#untracked = 0;
  }
}
