import { request } from 'undici';
import type { HttpClient } from '../src/index.js';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request through the client, the way the session package does it: jar in, body read, jar out. */
export async function get(client: HttpClient, url: string, init: { signal?: AbortSignal } = {}): Promise<Reply> {
  const cookie = await client.cookieJar.getCookieString(url);
  const response = await request(url, {
    dispatcher: client.dispatcher,
    headers: cookie === '' ? {} : { cookie },
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const body = await response.body.text();
  const setCookie = response.headers['set-cookie'];
  for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
    await client.cookieJar.setCookie(line, url, { ignoreError: true });
  }
  return { status: response.statusCode, body, headers: response.headers };
}

/** Runs `promise` expecting a rejection; returns the error (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/**
 * Rejects if `promise` does not settle within `ms`. Only for bounds with a
 * wide margin (an option of 100 ms against undici's 4 s default), never to
 * measure.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
