/**
 * Base class of every scheduler error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class SchedulerError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_SCHEDULER', options?: ErrorOptions) {
    super(message, options);
    this.name = 'SchedulerError';
    this.code = code;
  }
}

/** A config field or constructor option the scheduler reads is out of range. */
export class SchedulerOptionsError extends SchedulerError {
  constructor(message: string) {
    super(message, 'SE_ERR_SCHEDULER_INVALID_OPTIONS');
    this.name = 'SchedulerOptionsError';
  }
}

/** `start()` was called twice, or after `stop()`: a scheduler runs once. */
export class SchedulerStateError extends SchedulerError {
  constructor(message: string) {
    super(message, 'SE_ERR_SCHEDULER_STATE');
    this.name = 'SchedulerStateError';
  }
}

/** `pauseSession`/`resumeSession` named an id the session manager does not know. */
export class UnknownSessionError extends SchedulerError {
  readonly sessionId: number;

  constructor(sessionId: number) {
    super(`no session with id ${sessionId}`, 'SE_ERR_SCHEDULER_UNKNOWN_SESSION');
    this.name = 'UnknownSessionError';
    this.sessionId = sessionId;
  }
}

/**
 * `ctx.request()` got a response whose status is not in `expectStatus`.
 * Thrown so that a scenario stops the iteration; already recorded as a
 * failure of kind `expectation`.
 */
export class ExpectationError extends SchedulerError {
  readonly status: number;
  readonly expected: readonly number[];
  readonly url: string;
  readonly step: string | undefined;

  constructor(status: number, expected: readonly number[], url: string, step: string | undefined) {
    const where = step === undefined ? url : `step "${step}" (${url})`;
    super(`${where}: expected status ${expected.join(' or ')}, got ${status}`, 'SE_ERR_SCHEDULER_EXPECTATION');
    this.name = 'ExpectationError';
    this.status = status;
    this.expected = expected;
    this.url = url;
    this.step = step;
  }
}

/**
 * `ctx.request()` got no response: a transport error (after the allowed
 * retries) or an error thrown by the session (closed, bad URL). Already
 * recorded as a failure of kind `kind`; the session's error is the `cause`.
 */
export class RequestFailedError extends SchedulerError {
  /** The failure kind recorded in metrics (`ECONNREFUSED`, `timeout`, ...). */
  readonly kind: string;
  /** Attempts made, retries included. */
  readonly attempts: number;
  readonly step: string | undefined;

  constructor(kind: string, attempts: number, step: string | undefined, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const where = step === undefined ? '' : `step "${step}": `;
    super(`${where}request failed after ${attempts} attempt(s) (${kind}): ${detail}`, 'SE_ERR_SCHEDULER_REQUEST_FAILED', {
      cause,
    });
    this.name = 'RequestFailedError';
    this.kind = kind;
    this.attempts = attempts;
    this.step = step;
  }
}

/**
 * The reason a run's signal aborts with (`ctx.signal.reason`): the run is
 * stopping, so an iteration that ends early because of it is counted as
 * interrupted, not failed. Throw it (or call `ctx.signal.throwIfAborted()`) to
 * end an iteration at a safe point.
 */
export class IterationInterruptedError extends SchedulerError {
  constructor(message = 'the run is stopping: iteration interrupted') {
    super(message, 'SE_ERR_SCHEDULER_INTERRUPTED');
    this.name = 'IterationInterruptedError';
  }
}

/**
 * Whether an error a job ended with means "interrupted by the run's stop":
 * the run signal's reason, an abort of a timer or request it was passed to,
 * or a request recorded with failure kind `interrupted`. Only meaningful once
 * the run is stopping; before that an abort is the job's own failure.
 */
export function isInterruption(error: unknown): boolean {
  if (error instanceof IterationInterruptedError) return true;
  if (error instanceof RequestFailedError) return error.kind === 'interrupted';
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: unknown };
  if (code === 'SE_ERR_SCHEDULER_INTERRUPTED') return true;
  // timers/promises and fetch-style APIs reject with an AbortError whose cause is the signal's reason.
  return (name === 'AbortError' || code === 'ABORT_ERR') && (cause === undefined || cause instanceof IterationInterruptedError);
}
