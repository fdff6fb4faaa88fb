/** Longest window `currentRate` accepts. */
export const MAX_RATE_WINDOW_MS = 60_000;

// A window of W ms touches at most ceil(W / 1000) + 1 one-second buckets; two
// spare slots keep the oldest of them from being overwritten by the newest.
const SLOTS = MAX_RATE_WINDOW_MS / 1000 + 2;

/**
 * Completed requests per one-second bucket in a fixed ring, so recording is
 * two array writes and never allocates. Each slot remembers which second it
 * holds; a stale slot is cleared when its index comes round again.
 */
export class RateWindow {
  readonly #counts = new Float64Array(SLOTS);
  readonly #seconds = new Float64Array(SLOTS).fill(Number.NEGATIVE_INFINITY);

  record(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = ((second % SLOTS) + SLOTS) % SLOTS;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 1;
    } else {
      this.#counts[slot] = (this.#counts[slot] as number) + 1;
    }
  }

  /**
   * Events per second over the last `windowMs` (at most MAX_RATE_WINDOW_MS),
   * widened down to the start of the oldest second touched so that whole
   * buckets are counted, and clipped at `sinceMs` (when recording began) so a
   * young run is not diluted by time before it started.
   */
  rate(nowMs: number, windowMs: number, sinceMs: number): number {
    const firstSecond = Math.floor((nowMs - windowMs) / 1000);
    const lastSecond = Math.floor(nowMs / 1000);
    const spanMs = nowMs - Math.max(firstSecond * 1000, sinceMs);
    if (!(spanMs > 0)) return 0;
    let events = 0;
    for (let s = firstSecond; s <= lastSecond; s++) {
      const slot = ((s % SLOTS) + SLOTS) % SLOTS;
      if (this.#seconds[slot] === s) events += this.#counts[slot] as number;
    }
    return (events * 1000) / spanMs;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#seconds.fill(Number.NEGATIVE_INFINITY);
  }
}
