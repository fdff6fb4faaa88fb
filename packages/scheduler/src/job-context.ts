import { failureKind, httpStatusKind, isStopKind } from '@session-engine/failures';
import type { SchedulerMetrics, SchedulerSession, SessionRequest, SessionResponse } from './contracts.js';
import { ExpectationError, RequestFailedError } from './errors.js';
import { backoffDelay, isIdempotent, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry.js';

export interface RequestOptions {
  /** Scenario step name: metrics keep a latency histogram per step. */
  step?: string;
  /**
   * Acceptable statuses. Any other status is recorded as a failure of kind
   * `expectation` and `request()` throws `ExpectationError`.
   */
  expectStatus?: number | readonly number[];
  /**
   * `true` allows retries for a non-idempotent method (POST, PATCH);
   * `false` forbids them for any method. Default: idempotent methods, and any
   * method when the request never left (connection refused, connect timeout).
   */
  retry?: boolean;
}

/** Handed to every job run. */
export interface JobContext {
  /** 1-based, counted over the whole run in start order. */
  readonly iteration: number;
  /**
   * When this job was meant to start (ms, the scheduler's `now()` clock,
   * `performance.now()` by default). Open model: the scheduled arrival time,
   * which may be earlier than the actual start; closed model: the start.
   */
  readonly intendedStart: number;
  /**
   * Aborts when iterations still in flight must end: the run stopped and its
   * graceful-stop time is up, or the stop was forced (`Scheduler.interrupt()`);
   * its `reason` is an `IterationInterruptedError`. Until then an iteration
   * in flight at a stop may finish. Check it between steps, or pass it to
   * anything that waits (`setTimeout(ms, v, { signal })`, a request's
   * `signal`): an iteration that ends because of it counts as interrupted,
   * not failed. One signal for the whole run: reading it allocates nothing.
   */
  readonly signal: AbortSignal;
  /**
   * Sends a request through the session, retried only where a retry can help
   * (the allow-list of `@session-engine/failures`, docs/errors.md#failure-kinds),
   * and records its final outcome in metrics. A status `expectStatus` lists is
   * checked first: it is a success, never retried. Returns the response for any status (a status that is
   * not 2xx/3xx is recorded as failure `http_<status>`). Throws
   * `ExpectationError` when `expectStatus` is not met and `RequestFailedError`
   * when there is no response after the allowed retries.
   */
  request(req: SessionRequest, options?: RequestOptions): Promise<SessionResponse>;
  /**
   * Counts a check: a truthy `ok` is a pass, anything else a fail, under `name` in the
   * report's `checks` (and the `checks` threshold). A failed check fails
   * neither the request nor the iteration. Returns `ok`, so it can guard:
   * `if (!ctx.check('has token', typeof body.token === 'string')) return;`.
   */
  check(name: string, ok: boolean): boolean;
}

/** What a request context needs from its scheduler run. */
export interface RequestHost {
  readonly metrics: SchedulerMetrics;
  readonly maxRetries: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly maxRetryAfter: number;
  /** True once the run is stopping: no further retries. */
  readonly halted: boolean;
  /** Aborted by `interrupt()`: handed to jobs as `ctx.signal`. */
  readonly signal: AbortSignal;
  now(): number;
  wallNow(): number;
  random(): number;
  /** Sleeps `ms`, cut short when the run halts. */
  pause(ms: number): Promise<void>;
}

/**
 * Whether a request that reached the target may be sent again: idempotent
 * methods (RFC 9110), unless the step says otherwise with `retry`.
 */
function mayRepeat(req: SessionRequest, options: RequestOptions | undefined): boolean {
  return options?.retry ?? isIdempotent(req.method === undefined ? 'GET' : req.method.toUpperCase());
}

function micros(from: number, to: number): number {
  return Math.max(0, Math.round((to - from) * 1000));
}

/**
 * One job run's context. The first request's latency is measured from
 * `intendedStart`: in the open model a start that had to wait (for a worker,
 * for the event loop) shows that wait in its latency instead of hiding it
 * (coordinated-omission correction). Later requests measure from their own
 * start. A recorded latency spans every attempt and back-off of the request:
 * it is what the user of the service would have waited.
 */
export class RequestContext implements JobContext {
  readonly iteration: number;
  readonly intendedStart: number;
  readonly #host: RequestHost;
  readonly #session: SchedulerSession;
  #first = true;

  get signal(): AbortSignal {
    return this.#host.signal;
  }

  constructor(host: RequestHost, session: SchedulerSession, iteration: number, intendedStart: number) {
    this.#host = host;
    this.#session = session;
    this.iteration = iteration;
    this.intendedStart = intendedStart;
  }

  check(name: string, ok: boolean): boolean {
    const passed = Boolean(ok);
    this.#host.metrics.recordCheck(String(name), passed);
    return passed;
  }

  request(req: SessionRequest, options?: RequestOptions): Promise<SessionResponse> {
    const host = this.#host;
    // A POST may still be retried when it never left (refused, connect timeout): see mayRepeat.
    const retries = options?.retry === false ? 0 : host.maxRetries;
    const start = this.#first ? this.intendedStart : host.now();
    this.#first = false;
    return this.#attempt(req, options, retries, start, 0);
  }

  // Promise callbacks rather than an async function with a retry loop: a
  // request in flight then keeps two small closures alive instead of a
  // suspended frame with every local of the loop.
  #attempt(
    req: SessionRequest,
    options: RequestOptions | undefined,
    retries: number,
    start: number,
    attempt: number,
  ): Promise<SessionResponse> {
    let sent: Promise<SessionResponse>;
    try {
      sent = this.#session.request(req);
    } catch (error) {
      sent = Promise.reject(error as Error);
    }
    return sent.then(
      (response) => this.#answered(response, req, options, retries, start, attempt),
      (error: unknown) => this.#failed(error, req, options, retries, start, attempt),
    );
  }

  #answered(
    response: SessionResponse,
    req: SessionRequest,
    options: RequestOptions | undefined,
    retries: number,
    start: number,
    attempt: number,
  ): SessionResponse | Promise<SessionResponse> {
    const host = this.#host;
    const metrics = host.metrics;
    const status = response.status;
    const step = options?.step;
    const expected = options?.expectStatus;
    // The expectation first: an expected status is a success (even a 503), never retried.
    const met = expected !== undefined && (typeof expected === 'number' ? expected === status : expected.includes(status));
    if (met) {
      metrics.recordExpected(status, micros(start, host.now()), response.bytes, step);
      return response;
    }
    if (attempt < retries && !host.halted && isRetryableStatus(status) && mayRepeat(req, options)) {
      metrics.recordRetry();
      const asked = parseRetryAfter(response.headers['retry-after'], host.wallNow(), host.maxRetryAfter);
      return host
        .pause(asked ?? backoffDelay(attempt, host.baseDelay, host.maxDelay, host.random))
        .then(() => this.#retry(req, options, retries, start, attempt + 1));
    }

    const latency = micros(start, host.now());
    if (expected !== undefined) {
      const list: readonly number[] = typeof expected === 'number' ? [expected] : expected;
      metrics.recordFailure('expectation', latency, status, response.bytes, step);
      throw new ExpectationError(status, list, response.url, step);
    }
    if (status >= 200 && status < 400) metrics.recordSuccess(status, latency, response.bytes, step);
    else metrics.recordFailure(httpStatusKind(status), latency, status, response.bytes, step);
    return response;
  }

  #failed(
    error: unknown,
    req: SessionRequest,
    options: RequestOptions | undefined,
    retries: number,
    start: number,
    attempt: number,
  ): Promise<SessionResponse> {
    const host = this.#host;
    if (attempt < retries && !host.halted && isRetryableError(error, mayRepeat(req, options))) {
      host.metrics.recordRetry();
      return host
        .pause(backoffDelay(attempt, host.baseDelay, host.maxDelay, host.random))
        .then(() => this.#retry(req, options, retries, start, attempt + 1));
    }
    let kind = failureKind(error);
    // Aborted by the hard stop, or cut off when it closed the session: not the target's fault.
    if (host.signal.aborted && isStopKind(kind)) kind = 'interrupted';
    const step = options?.step;
    host.metrics.recordFailure(kind, micros(start, host.now()), 0, 0, step);
    throw new RequestFailedError(kind, attempt + 1, step, error);
  }

  /**
   * The next attempt after a back-off (cut short when the run stops: the last
   * attempt goes at once), unless the hard stop came during the wait.
   */
  #retry(req: SessionRequest, options: RequestOptions | undefined, retries: number, start: number, attempt: number): Promise<SessionResponse> {
    const host = this.#host;
    if (!host.signal.aborted) return this.#attempt(req, options, retries, start, attempt);
    host.metrics.recordFailure('interrupted', micros(start, host.now()), 0, 0, options?.step);
    return Promise.reject(new RequestFailedError('interrupted', attempt, options?.step, host.signal.reason));
  }
}
