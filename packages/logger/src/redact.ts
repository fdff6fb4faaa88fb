import { redactUrl } from './redact-url.js';

/** What a secret value is replaced with (pino's own censor string). */
export const CENSOR = '[Redacted]';

/**
 * Header names whose values are credentials. Matched case-insensitively
 * wherever they appear as a key, at any depth: `headers.authorization`,
 * `req.headers.Cookie`, `response.headers['set-cookie']`, or top-level.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'proxy-authorization',
]);

/**
 * pino prints at most 5 levels of nesting (its `depthLimit`) and replaces
 * deeper values with "[Object]"; walking a little further than that is
 * enough, and the bound also ends the walk on circular structures.
 */
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  // Only keys of a secret name's length pay for lower-casing.
  switch (key.length) {
    case 6:
    case 10:
    case 13:
    case 19:
      return SECRET_KEYS.has(key) || SECRET_KEYS.has(key.toLowerCase());
    default:
      return false;
  }
}

/**
 * Returns `fields` with secrets censored: credential headers become
 * "[Redacted]", URL credentials in any string are masked, and `Error`s become
 * plain `{ type, message, stack, ...props, cause }` objects (redacted too).
 *
 * Copy-on-write: the caller's objects are never mutated (they are often live
 * state, such as a session's headers), and when nothing needs redacting the
 * very same object comes back, so the common case allocates nothing.
 */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, 0);
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return redactArray(value, depth + 1);
  if (value instanceof Error) return serializeError(value, depth + 1);
  // JSON.stringify would print a URL object's href, credentials included.
  if (value instanceof URL) return redactUrl(value.href);
  // Dates, Buffers and the like serialise themselves; their own fields are not secrets.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  return redactObject(value as Record<string, unknown>, depth + 1);
}

function redactObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const next = isSecretKey(key) ? (value === undefined ? value : CENSOR) : redactValue(value, depth);
    if (next !== value) {
      copy ??= { ...obj };
      setOwn(copy, key, next);
    }
  }
  return copy ?? obj;
}

function redactArray(array: readonly unknown[], depth: number): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    const next = redactValue(value, depth);
    if (next !== value) {
      copy ??= array.slice();
      copy[i] = next;
    }
  }
  return copy ?? array;
}

/**
 * Same shape as pino's standard `err` serializer, but applied to an Error
 * under any key (`error`, `cause`, nested), and redacted: error messages and
 * stacks from proxies often embed the proxy URL.
 */
function serializeError(error: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: typeof error.constructor === 'function' ? error.constructor.name : error.name,
    message: redactUrl(String(error.message)),
  };
  if (typeof error.stack === 'string') out['stack'] = redactUrl(error.stack);
  for (const key of Object.keys(error)) {
    if (Object.hasOwn(out, key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    setOwn(out, key, isSecretKey(key) ? CENSOR : redactValue(value, depth));
  }
  if (error.cause !== undefined && !Object.hasOwn(out, 'cause')) out['cause'] = redactValue(error.cause, depth);
  if (error instanceof AggregateError && !Object.hasOwn(out, 'errors')) out['errors'] = redactValue(error.errors, depth);
  return out;
}

/** Assignment that cannot reach the prototype, even for a key named "__proto__". */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
