/**
 * The circuit breaker of one proxy (passive health):
 *
 * ```
 *  closed ──maxFailures connection failures in a row──> open (skipped for the cool-down)
 *    ^                                                   │ cool-down passed
 *    └────────── the probe succeeds ─── half_open <──────┘
 *                                        │ the probe fails: open again, cool-down doubled
 *                                        └──────────────> open (up to maxCooldownMs)
 * ```
 *
 * Half-open is a matter of time, read lazily from the clock: no timer. In it,
 * one session at a time is handed the proxy (its next request is the probe).
 * Failures reported while open are requests that were already in flight: they
 * neither extend the cool-down nor count as a new trip.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitPolicy {
  readonly maxFailures: number;
  readonly cooldownMs: number;
  readonly maxCooldownMs: number;
}

export class ProxyCircuit {
  /** Consecutive connection failures since the last success. */
  failures = 0;
  /** Clock time the current open period ends (0 while closed). */
  until = 0;
  /** Openings since the circuit was last closed: the back-off exponent. */
  trips = 0;
  /** Requests reported through the proxy (responses and connection failures). */
  requests = 0;
  /** Connection failures reported through the proxy. */
  failed = 0;
  /** Sessions moved away from the proxy. */
  failovers = 0;
  /** When the current unhealthy period began; undefined while closed. */
  #since: number | undefined;
  /** Unhealthy time of the periods that have ended, ms. */
  #unhealthyMs = 0;
  /** When the half-open proxy was last handed out as a probe. */
  #probeAt: number | undefined;

  state(now: number): CircuitState {
    if (this.#since === undefined) return 'closed';
    return now < this.until ? 'open' : 'half_open';
  }

  /**
   * Whether the proxy may be handed out now: closed, or half-open with no
   * probe outstanding (a probe that has not reported within a cool-down is
   * written off, so a session that never sends cannot block it for ever).
   */
  available(now: number, policy: CircuitPolicy): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    return this.#probeAt === undefined || now - this.#probeAt >= policy.cooldownMs;
  }

  /** The proxy was handed out: in half-open, that session's request is the probe. */
  handedOut(now: number): void {
    if (this.#since !== undefined) this.#probeAt = now;
  }

  /** Counts a connection failure; true when it opened the circuit (a trip, or a failed probe). */
  recordFailure(now: number, policy: CircuitPolicy): boolean {
    this.requests++;
    this.failed++;
    this.failures++;
    const state = this.state(now);
    if (state === 'open') return false;
    if (state === 'half_open') {
      this.trips++;
      this.until = now + backoff(this.trips, policy);
      this.#probeAt = undefined;
      return true;
    }
    if (this.failures < policy.maxFailures || policy.cooldownMs <= 0) return false;
    this.#since = now;
    this.trips = 1;
    this.until = now + policy.cooldownMs;
    return true;
  }

  /** Counts a response; true when it closed the circuit (the probe succeeded). */
  recordSuccess(now: number): boolean {
    this.requests++;
    const state = this.state(now);
    // A response while open is a request sent before the trip: it says nothing about now.
    if (state === 'open') return false;
    this.failures = 0;
    if (state === 'closed') return false;
    this.#unhealthyMs += now - (this.#since as number);
    this.#since = undefined;
    this.#probeAt = undefined;
    this.until = 0;
    this.trips = 0;
    return true;
  }

  /**
   * The result of an active health check (a request through the proxy made
   * in the background, not a session's): a success closes an open or
   * half-open circuit at once; a failure of a half-open one re-opens it with
   * back-off, of an open one changes nothing. Not counted in `requests`.
   * Returns the transition: 'closed', 'opened' or undefined.
   */
  recordCheck(now: number, ok: boolean, policy: CircuitPolicy): 'closed' | 'opened' | undefined {
    const state = this.state(now);
    if (state === 'closed') return undefined;
    if (ok) {
      this.#unhealthyMs += now - (this.#since as number);
      this.#since = undefined;
      this.#probeAt = undefined;
      this.until = 0;
      this.trips = 0;
      this.failures = 0;
      return 'closed';
    }
    if (state === 'open') return undefined;
    this.trips++;
    this.until = now + backoff(this.trips, policy);
    this.#probeAt = undefined;
    return 'opened';
  }

  /** Time spent open or half-open, the current period included, ms. */
  unhealthyMs(now: number): number {
    return this.#unhealthyMs + (this.#since === undefined ? 0 : now - this.#since);
  }
}

/** The cool-down of the n-th opening in a row: doubled each time, capped. */
function backoff(trips: number, policy: CircuitPolicy): number {
  const doubled = policy.cooldownMs * 2 ** Math.min(trips - 1, 30);
  return Math.min(doubled, Math.max(policy.maxCooldownMs, policy.cooldownMs));
}
