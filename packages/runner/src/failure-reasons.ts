/**
 * Why iterations failed, grouped by text for the summary: the same failure in
 * every session reads the same (no session id, no per-session URL), so the
 * summary counts kinds, not sessions.
 */
import { ExpectationError, RequestFailedError, isInterruption, type Job } from '@session-engine/scheduler';
import type { SchedulerSession } from '@session-engine/scheduler';

export class FailureReasons {
  static readonly MAX_KINDS = 100;
  static readonly OTHER = '(other reasons)';
  readonly #counts = new Map<string, number>();
  #total = 0;

  /** Failed iterations so far. */
  get total(): number {
    return this.#total;
  }

  get counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }

  add(reason: string, count = 1): void {
    this.#total += count;
    const current = this.#counts.get(reason);
    if (current !== undefined) this.#counts.set(reason, current + count);
    // A bounded number of kinds: a reason with a per-request detail in it cannot grow the map without end.
    else if (this.#counts.size < FailureReasons.MAX_KINDS || reason === FailureReasons.OTHER) this.#counts.set(reason, count);
    else this.#counts.set(FailureReasons.OTHER, (this.#counts.get(FailureReasons.OTHER) ?? 0) + count);
  }
}

/** The grouping text of a failure (see FailureReasons). */
export function reasonOf(error: unknown): string {
  if (error instanceof ExpectationError) {
    return `${error.step ?? error.url}: expected status ${error.expected.join(' or ')}, got ${error.status}`;
  }
  if (error instanceof RequestFailedError) {
    const cause = error.cause as { method?: unknown; url?: unknown } | undefined;
    const what = error.step ?? (typeof cause?.url === 'string' ? `${String(cause.method ?? 'GET')} ${cause.url}` : 'request');
    return `${what}: no response (${error.kind}) after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Records why an iteration failed, then rethrows so the scheduler counts it.
 * An iteration cut short by the run's stop is not a failure and is not recorded.
 */
export function withFailureReasons<S extends SchedulerSession>(job: Job<S>, reasons: FailureReasons): Job<S> {
  // The run's signal, one per run: read from the first context so `record` is made once, not per iteration.
  let runSignal: AbortSignal | undefined;
  const record = (error: unknown): never => {
    if (!(runSignal?.aborted === true && isInterruption(error))) reasons.add(reasonOf(error));
    throw error;
  };
  // Not an async wrapper: an iteration in flight keeps one promise reaction alive, not a suspended frame.
  return (session, ctx) => {
    runSignal ??= ctx.signal;
    let outcome: Promise<void> | void;
    try {
      outcome = job(session, ctx);
    } catch (error) {
      return Promise.reject(error as Error).then(undefined, record);
    }
    return outcome === undefined ? undefined : Promise.resolve(outcome).then(undefined, record);
  };
}
