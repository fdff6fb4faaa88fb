/**
 * A live session <-> its saved state. Written against the shape of a
 * `Session` of @session-engine/session (structurally: it is not imported), so
 * anything with an id, a variables map and a cookie export/import can be saved.
 */
import { proxyKey } from './proxy-key.js';
import type { SavedSession, SerializedCookies } from './saved-session.js';

/** What saving and restoring use of a session (`Session` of @session-engine/session fits as is). */
export interface StatefulSession {
  readonly id: number;
  readonly variables: Map<string, string>;
  readonly proxy?: { readonly url: string } | undefined;
  /** The cookie jar in tough-cookie's serialisation (`jar.serialize()`). */
  exportCookies(): Promise<SerializedCookies>;
  /** Adds serialised cookies to the jar (skipping expired ones); resolves with how many. */
  importCookies(serialized: SerializedCookies): Promise<number>;
}

/** A session's state now: its cookie jar (tough-cookie's serialisation), variables, proxy and completed `once` steps. */
export async function captureSession(
  session: StatefulSession,
  options: { once?: Iterable<string>; now?: Date } = {},
): Promise<SavedSession> {
  const cookies = await session.exportCookies();
  return {
    id: session.id,
    saved_at: (options.now ?? new Date()).toISOString(),
    cookies,
    variables: Object.fromEntries(session.variables),
    proxy: session.proxy === undefined ? null : proxyKey(session.proxy.url),
    once: [...(options.once ?? [])],
  };
}

/**
 * Puts saved cookies and variables into a session (its proxy is chosen when
 * the session is created: match it with `proxyKey`). Resolves with how many
 * cookies were restored (expired ones are not).
 */
export async function restoreSession(session: StatefulSession, saved: SavedSession): Promise<number> {
  const restored = await session.importCookies(saved.cookies);
  for (const [name, value] of Object.entries(saved.variables)) session.variables.set(name, value);
  return restored;
}
