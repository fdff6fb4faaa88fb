/**
 * Consecutive-failure circuit for one proxy. After `maxFailures` failures in a
 * row it opens for `cooldownMs`; once that has passed the proxy is tried again
 * (half-open): its failure count is kept, so the next failure re-opens it at
 * once, while a success closes it and resets the count. A cooldown of 0 never
 * opens it.
 */
export class ProxyHealth {
  failures = 0;
  /** Clock time until which the proxy is skipped; 0 = never tripped. */
  until = 0;

  isHealthy(now: number): boolean {
    return this.until <= now;
  }

  /** Counts a failure; returns true when this failure made the proxy unhealthy. */
  recordFailure(now: number, maxFailures: number, cooldownMs: number): boolean {
    this.failures++;
    // Requests already in flight keep failing after the trip: they must not extend the cooldown.
    if (this.failures < maxFailures || cooldownMs <= 0 || !this.isHealthy(now)) return false;
    this.until = now + cooldownMs;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.until = 0;
  }
}
