/**
 * A live session <-> its saved state. Written against the shape of a
 * `Session` of @session-engine/session (structurally), so any object with an
 * id, a tough-cookie jar and a variables map can be saved and restored.
 */
import { CookieJar } from 'tough-cookie';
import { proxyKey } from './proxy-key.js';
import type { SavedSession } from './saved-session.js';

/** What saving and restoring read from a session (`Session` of @session-engine/session fits). */
export interface StatefulSession {
  readonly id: number;
  readonly cookieJar: CookieJar;
  readonly variables: Map<string, string>;
  readonly proxy?: { readonly url: string } | undefined;
}

/** A session's state now: its cookie jar (tough-cookie's serialisation), variables, proxy and completed `once` steps. */
export async function captureSession(
  session: StatefulSession,
  options: { once?: Iterable<string>; now?: Date } = {},
): Promise<SavedSession> {
  const cookies = await session.cookieJar.serialize();
  return {
    id: session.id,
    saved_at: (options.now ?? new Date()).toISOString(),
    cookies: cookies as unknown as SavedSession['cookies'],
    variables: Object.fromEntries(session.variables),
    proxy: session.proxy === undefined ? null : proxyKey(session.proxy.url),
    once: [...(options.once ?? [])],
  };
}

/**
 * Puts saved cookies and variables into a session (its proxy is chosen when
 * the session is created: see `proxyKey`). Cookies already in the jar with the
 * same domain, path and name are replaced; expired ones are not restored.
 * Returns how many cookies were restored.
 */
export async function restoreSession(session: StatefulSession, saved: SavedSession): Promise<number> {
  const from = await CookieJar.deserialize(saved.cookies as unknown as object);
  const store = session.cookieJar.store;
  const now = Date.now();
  let restored = 0;
  for (const cookie of await from.store.getAllCookies()) {
    const expires = cookie.expiryTime();
    if (expires !== undefined && expires <= now) continue;
    await store.putCookie(cookie);
    restored += 1;
  }
  for (const [name, value] of Object.entries(saved.variables)) session.variables.set(name, value);
  return restored;
}
