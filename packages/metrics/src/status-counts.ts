// Real HTTP status codes are three digits; a typed array indexed by code keeps
// counting free of hashing and allocation. Anything else goes to a Map.
const DENSE_LIMIT = 1000;

/** Responses per HTTP status code. */
export class StatusCounts {
  readonly #dense = new Float64Array(DENSE_LIMIT);
  readonly #sparse = new Map<number, number>();

  increment(status: number): void {
    if (status >= 0 && status < DENSE_LIMIT && Number.isInteger(status)) {
      this.#dense[status] = (this.#dense[status] as number) + 1;
    } else {
      this.#sparse.set(status, (this.#sparse.get(status) ?? 0) + 1);
    }
  }

  /** Calls `fn` for every code seen at least once: three-digit codes ascending, then any others. */
  forEach(fn: (status: number, count: number) => void): void {
    for (let status = 0; status < DENSE_LIMIT; status++) {
      const count = this.#dense[status] as number;
      if (count > 0) fn(status, count);
    }
    for (const [status, count] of [...this.#sparse].sort((a, b) => a[0] - b[0])) fn(status, count);
  }

  /** Adds `count` responses with `status` at once (a mirror of counts recorded elsewhere). */
  add(status: number, count: number): void {
    if (status >= 0 && status < DENSE_LIMIT && Number.isInteger(status)) {
      this.#dense[status] = (this.#dense[status] as number) + count;
    } else {
      this.#sparse.set(status, (this.#sparse.get(status) ?? 0) + count);
    }
  }

  reset(): void {
    this.#dense.fill(0);
    this.#sparse.clear();
  }
}
