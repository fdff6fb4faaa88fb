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

// Codes that mean "the network failed", for errors that do not come from a Session.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Whether an error from `session.request()` is a network failure worth a
 * retry: a session transport error or timeout (`SE_ERR_SESSION_REQUEST`,
 * `SE_ERR_SESSION_TIMEOUT`) unless the caller aborted it, or a raw network
 * code. Closed sessions and bad requests would fail the same way again.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, causeCode } = error as ErrorShape;
  if (code === 'SE_ERR_SESSION_REQUEST' || code === 'SE_ERR_SESSION_TIMEOUT') return causeCode !== 'aborted';
  return typeof code === 'string' && NETWORK_CODES.has(code);
}
