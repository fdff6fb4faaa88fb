import type { IncomingMessage } from 'node:http';
import { RequestRejectedError } from './errors.js';

/**
 * Reads a request body of at most `limit` bytes, rejecting with 413 as soon as the declared
 * Content-Length or the bytes received exceed it. It never destroys the request: Node then reads
 * and discards the rest after the 413 is sent, so the client gets the answer instead of a reset
 * (bounded by the server's requestTimeout).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new RequestRejectedError(400, 'incomplete_body', 'the connection closed before the body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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
