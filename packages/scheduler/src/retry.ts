/** Retry policy pieces: which requests may be retried, after how long. */

import { failureKind, isNeverSentKind, isRetryableKind } from '@session-engine/failures';

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

/**
 * Whether a failed request is worth another attempt: its failure kind (see
 * `@session-engine/failures`, docs/errors.md#failure-kinds) is on the retry
 * allow-list (refused, reset or closed before a response; connect or request
 * timeout), and the request may be repeated: an idempotent method, or a
 * request that never left (refused, connect timeout). Never retried: proxy
 * authentication and tunnel refusals, TLS certificate errors, invalid
 * requests, a closed session, an abort, name resolution, redirect errors.
 */
export function isRetryableError(error: unknown, idempotent = true): boolean {
  const kind = failureKind(error);
  return isRetryableKind(kind) && (idempotent || isNeverSentKind(kind));
}
