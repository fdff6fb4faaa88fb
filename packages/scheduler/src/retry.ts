/** Retry policy pieces: which requests may be retried, after how long. */

export interface RetryOptions {
  /** First back-off step in ms (default 100). */
  baseDelay?: number;
  /** Upper bound of a back-off step in ms (default 5 000). */
  maxDelay?: number;
  /** Upper bound applied to a server's `Retry-After`, ms (default 30 000). */
  maxRetryAfter?: number;
}

export const DEFAULT_RETRY = { baseDelay: 100, maxDelay: 5_000, maxRetryAfter: 30_000 } as const;

/** Methods a retry cannot change the meaning of (RFC 9110 idempotent methods). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

/** 429 Too Many Requests and 503 Service Unavailable say "try again later". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Exponential back-off with full jitter: uniform in [0, min(maxDelay,
 * baseDelay * 2^attempt)). Jitter keeps many sessions that failed together
 * from retrying in lock step. `attempt` is 0 for the first retry.
 */
export function backoffDelay(attempt: number, baseDelay: number, maxDelay: number, random: () => number): number {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** attempt);
  return random() * ceiling;
}

/**
 * Milliseconds a `Retry-After` header asks for (delta seconds or an HTTP
 * date relative to `wallNow`), capped at `cap`; `undefined` if absent or
 * unparsable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  wallNow: number,
  cap: number,
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - wallNow;
  }
  return Math.min(cap, Math.max(0, ms));
}

interface ErrorShape {
  code?: unknown;
  causeCode?: unknown;
  name?: unknown;
}

/**
 * The failure kind recorded for an error: the transport's code that the
 * session keeps in `causeCode` (`ECONNREFUSED`, `UND_ERR_SOCKET`, `timeout`),
 * else the error's own `code`, else its name.
 */
export function failureKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { causeCode, code, name } = error as ErrorShape;
    if (typeof causeCode === 'string' && causeCode !== '') return causeCode;
    if (typeof code === 'string' && code !== '') return code;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  }
  return 'unknown';
}

/**
 * The one allow-list of failure kinds (see `failureKind`) that a retry can
 * help: the connection was refused, reset or closed before a response, or
 * connecting or the whole request timed out. Any other kind is never
 * retried: proxy authentication (`proxy_auth`) and proxy tunnel refusals
 * (`proxy_connect`), TLS certificate errors (`DEPTH_ZERO_SELF_SIGNED_CERT`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, ...), invalid requests, a closed session, an
 * abort, name resolution: the next attempt would fail the same way.
 * Documented in docs/user-guide.md#timeouts-and-retries; keep the two in step.
 */
export const RETRYABLE_KINDS: ReadonlySet<string> = new Set([
  // Refused, reset or closed before a response.
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'UND_ERR_SOCKET',
  // Connect or request timeout.
  'timeout',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Whether an error from `session.request()` is worth a retry: its failure
 * kind (the session's `causeCode`, else the error's `code`) is in
 * `RETRYABLE_KINDS`. An abort (`causeCode: 'aborted'`), a closed session
 * (`SE_ERR_SESSION_CLOSED`), a bad request (`SE_ERR_SESSION_BAD_REQUEST`),
 * `proxy_auth` and TLS certificate errors are not.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return RETRYABLE_KINDS.has(failureKind(error));
}
