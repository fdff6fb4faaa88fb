import { REDACTED } from './placeholder.js';
import { isSecretHeader } from './secret-header.js';

/**
 * A copy of `headers` in which the value of every secret header (see
 * {@link isSecretHeader}) is {@link REDACTED}, a `string[]` (several
 * `set-cookie` lines) included; other values are kept as they are. Names keep
 * their spelling. The argument is never modified.
 */
export function redactHeaders<V extends string | readonly string[]>(
  headers: Readonly<Record<string, V>>,
): Record<string, V | typeof REDACTED> {
  const copy: Record<string, V | typeof REDACTED> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    const next = value !== undefined && isSecretHeader(name) ? REDACTED : value;
    if (name === '__proto__') {
      // An own property, never the prototype, even for this name.
      Object.defineProperty(copy, name, { value: next, enumerable: true, writable: true, configurable: true });
    } else {
      copy[name] = next;
    }
  }
  return copy;
}
