import type { IncomingMessage } from 'node:http';
import { RequestRejectedError } from './errors.js';

/**
 * Reads a request body of at most `limit` bytes. A larger declared Content-Length is refused
 * before reading; a stream that grows past the limit is refused as soon as it does. Both reject
 * with 413, and the caller closes the connection, since the rest of the body is unread.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

function tooLarge(limit: number): RequestRejectedError {
  return new RequestRejectedError(413, 'body_too_large', `request body exceeds ${limit} bytes`);
}

/**
 * Extracts `user` from a login body: `application/x-www-form-urlencoded` or `application/json`.
 * Without a content type the body is sniffed (`{` means JSON) so `curl -d` works either way.
 */
export function parseLoginUser(contentType: string | undefined, body: Buffer): string {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const text = body.toString('utf8');
  let user: unknown;
  if (type === 'application/json' || type.endsWith('+json') || (type === '' && text.trimStart().startsWith('{'))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new RequestRejectedError(400, 'bad_json', `malformed JSON body: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RequestRejectedError(400, 'bad_body', 'JSON body must be an object like {"user":"alice"}');
    }
    user = (parsed as Record<string, unknown>).user;
  } else if (type === 'application/x-www-form-urlencoded' || type === '') {
    user = new URLSearchParams(text).get('user') ?? undefined;
  } else {
    throw new RequestRejectedError(
      415,
      'unsupported_media_type',
      `content type ${type} is not supported; send application/x-www-form-urlencoded or application/json`,
    );
  }
  if (typeof user !== 'string' || user.trim() === '') {
    throw new RequestRejectedError(400, 'missing_user', 'body must carry a non-empty "user", e.g. user=alice or {"user":"alice"}');
  }
  if (user.length > 256) throw new RequestRejectedError(400, 'bad_user', '"user" must be at most 256 characters');
  return user.trim();
}
