import { REDACTED } from './placeholder.js';

/**
 * {@link REDACTED} for any request body that holds something, whatever its
 * type: a body can carry credentials anywhere (`user=a&password=hunter2`, a
 * JSON login, a token in a multipart field), and telling which part is secret
 * would mean parsing it. No body (`undefined`, `null`) and an empty one (`''`,
 * a zero-length buffer) are returned as they are, so "there was no body"
 * stays visible.
 */
export function redactBody<T>(body: T): T | typeof REDACTED {
  if (body === undefined || body === null || (body as unknown) === '') return body;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength === 0 ? body : REDACTED;
  return REDACTED;
}
