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
