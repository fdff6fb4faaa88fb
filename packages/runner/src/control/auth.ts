/**
 * The control API's bearer token: where it comes from, how it is compared,
 * and how repeated failures from one address are slowed down.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The variable a token is read from (never a config key: it must not end up in a config or a report). */
export const CONTROL_TOKEN_VARIABLE = 'SESSION_ENGINE_CONTROL_TOKEN';

export interface ControlToken {
  readonly token: string;
  /** Made here (32 random bytes, base64url): the caller must show it once, since nobody else knows it. */
  readonly generated: boolean;
}

/** The token from `SESSION_ENGINE_CONTROL_TOKEN` (trimmed; empty = unset), or a new random one. */
export function resolveControlToken(env: Readonly<Record<string, string | undefined>> = process.env): ControlToken {
  const given = env[CONTROL_TOKEN_VARIABLE]?.trim();
  if (given !== undefined && given !== '') return { token: given, generated: false };
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are
 * hashed first, so the comparison takes as long whatever the length or the
 * first differing byte of what was sent.
 */
export class TokenCheck {
  readonly #expected: Buffer;

  constructor(token: string) {
    this.#expected = digest(token);
  }

  /** True when the header carries the token. Never says why not. */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    const sent = digest(match?.[1] ?? '');
    // Compared even without a well-formed header, so a malformed one costs the same.
    return timingSafeEqual(sent, this.#expected) && match !== null;
  }
}

interface Failures {
  /** Failures in the window that started at `since`. */
  count: number;
  since: number;
  /** Refused (429) until this time. */
  blockedUntil: number;
}

/**
 * After `limit` failed authentications within `windowMs` from one address,
 * that address is refused for `blockMs`, whatever it sends. Bounded memory:
 * at most `maxAddresses` are tracked, the oldest dropped first.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  readonly #byAddress = new Map<string, Failures>();

  constructor(options: { limit?: number; windowMs?: number; blockMs?: number; maxAddresses?: number; now?: () => number } = {}) {
    this.#limit = options.limit ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#blockMs = options.blockMs ?? 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** ms until the address may try again; 0 when it is not blocked. */
  blockedFor(address: string): number {
    const entry = this.#byAddress.get(address);
    if (entry === undefined) return 0;
    const left = entry.blockedUntil - this.#now();
    if (left > 0) return left;
    if (entry.blockedUntil > 0 || this.#now() - entry.since >= this.#windowMs) this.#byAddress.delete(address);
    return 0;
  }

  /** Counts a failure; true when it blocks the address. */
  fail(address: string): boolean {
    const now = this.#now();
    let entry = this.#byAddress.get(address);
    if (entry === undefined || now - entry.since >= this.#windowMs) {
      entry = { count: 0, since: now, blockedUntil: 0 };
      this.#byAddress.delete(address);
      this.#byAddress.set(address, entry);
      if (this.#byAddress.size > this.#maxAddresses) {
        const oldest = this.#byAddress.keys().next().value;
        if (oldest !== undefined) this.#byAddress.delete(oldest);
      }
    }
    entry.count++;
    if (entry.count >= this.#limit) {
      entry.blockedUntil = now + this.#blockMs;
      return true;
    }
    return false;
  }
}
