import { isSecretHeader, REDACTED, redactBody, redactUrl } from '@session-engine/redact';

/**
 * JSON.stringify prints any depth, so the walk must reach every level a line
 * can show. The bound only stops runaway structures: what lies below it is
 * replaced, never printed unredacted.
 */
const MAX_DEPTH = 64;
const TOO_DEEP = '[Object]';
/** Replaces a reference back to an ancestor; the line stays printable and finite. */
const CIRCULAR = '[Circular]';

/**
 * Keys whose values are request (or response) bodies, in any letter case:
 * `body` and `json` (a scenario step's JSON body). A body can carry
 * credentials anywhere (`user=a&password=hunter2`), so it is censored whole.
 */
function isBodyKey(key: string): boolean {
  if (key.length !== 4) return false;
  if (key === 'body' || key === 'json') return true;
  const lower = key.toLowerCase();
  return lower === 'body' || lower === 'json';
}

/**
 * What `value` under `key` is printed as: a secret header's value (see
 * `isSecretHeader` of @session-engine/redact) is censored whole, a body too
 * unless it is empty, anything else is walked.
 */
function redactEntry(key: string, value: unknown, ancestors: unknown[]): unknown {
  if (isSecretHeader(key)) return value === undefined ? value : REDACTED;
  if (isBodyKey(key)) return redactBody(value);
  return redactValue(value, ancestors);
}

/**
 * Returns `fields` with secrets censored: secret headers and non-empty
 * `body`/`json` values become "[REDACTED]", URL credentials in any string are
 * masked, and `Error`s become plain `{ type, message, stack, ...props, cause }`
 * objects (redacted too).
 *
 * Copy-on-write: the caller's objects are never mutated (they are often live
 * state, such as a session's headers), and when nothing needs redacting the
 * very same object comes back, so the common case allocates nothing.
 */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, [fields]);
}

/**
 * `ancestors`: the objects on the path from the root to `value`, for cycle
 * detection. `viaToJSON`: `value` is a `toJSON()` result, which JSON.stringify
 * prints as it is, without calling `toJSON` again.
 */
function redactValue(value: unknown, ancestors: unknown[], viaToJSON = false): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (typeof value !== 'object' || value === null) return value;
  // JSON.stringify would print a URL object's href, credentials included.
  if (value instanceof URL) return redactUrl(value.href);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (!viaToJSON && typeof toJSON === 'function') {
    // Dates and byte buffers hold no header or URL: skip the call.
    if (value instanceof Date || ArrayBuffer.isView(value)) return value;
    // Anything else is redacted as JSON.stringify will see it.
    return redactValue(toJSON.call(value) as unknown, ancestors, true);
  }
  if (ancestors.includes(value)) return CIRCULAR;
  if (ancestors.length >= MAX_DEPTH) return TOO_DEEP;
  ancestors.push(value);
  let result: unknown;
  if (Array.isArray(value)) result = redactArray(value, ancestors);
  else if (value instanceof Error) result = serializeError(value, ancestors);
  else result = redactObject(value as Record<string, unknown>, ancestors);
  ancestors.pop();
  return result;
}

function redactObject(obj: Record<string, unknown>, ancestors: unknown[]): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const next = redactEntry(key, value, ancestors);
    if (next !== value) {
      copy ??= { ...obj };
      setOwn(copy, key, next);
    }
  }
  return copy ?? obj;
}

function redactArray(array: readonly unknown[], ancestors: unknown[]): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    const next = redactValue(value, ancestors);
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
function serializeError(error: Error, ancestors: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: typeof error.constructor === 'function' ? error.constructor.name : error.name,
    message: redactUrl(String(error.message)),
  };
  if (typeof error.stack === 'string') out['stack'] = redactUrl(error.stack);
  for (const key of Object.keys(error)) {
    if (Object.hasOwn(out, key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    setOwn(out, key, redactEntry(key, value, ancestors));
  }
  if (error.cause !== undefined && !Object.hasOwn(out, 'cause')) out['cause'] = redactValue(error.cause, ancestors);
  if (error instanceof AggregateError && !Object.hasOwn(out, 'errors')) {
    out['errors'] = redactValue(error.errors, ancestors);
  }
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
