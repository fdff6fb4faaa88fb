/**
 * What one session's saved state is, and the one check every store runs on
 * what it reads back, so a hand-edited or foreign document fails with the
 * path of the bad field instead of half-restoring a session.
 */
import type { SerializedCookieJar } from 'tough-cookie';
import { StateCorruptError, StateVersionError } from './errors.js';

/** The format version stores write and read; a document of another version is refused. */
export const STATE_FORMAT_VERSION = 1;

/** tough-cookie's own serialisation (`jar.serialize()`), kept as is. */
export type SerializedCookies = SerializedCookieJar;

/** One session's identity, as saved. */
export interface SavedSession {
  /** The session id it belongs to: session k of a later run restores what was saved for k. */
  id: number;
  /** ISO time of the save. */
  saved_at: string;
  /** Its cookie jar, in tough-cookie's serialisation. */
  cookies: SerializedCookies;
  /** Its captured variables (scenario captures). */
  variables: Record<string, string>;
  /** Its proxy as `scheme://user@host:port` (never the password), or null for a direct session. */
  proxy: string | null;
  /** Names of the scenario's `once` steps it has completed (a login it need not repeat). */
  once: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a version field: missing or wrong is a StateVersionError. */
export function checkVersion(found: unknown, location: string): void {
  if (found !== STATE_FORMAT_VERSION) throw new StateVersionError(location, found, STATE_FORMAT_VERSION);
}

/**
 * Checks one saved session read from `location`; `where` is the field path
 * in messages (`sessions["3"]`, or a Redis key). Returns a fresh object.
 */
export function parseSavedSession(value: unknown, location: string, where: string): SavedSession {
  const bad = (field: string, expected: string): never => {
    throw new StateCorruptError(location, `${where}${field} must be ${expected}`);
  };
  if (!isRecord(value)) return bad('', 'an object');
  const { id, saved_at: savedAt, cookies, variables, proxy, once } = value;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) bad('.id', 'a whole number ≥ 1');
  if (typeof savedAt !== 'string') bad('.saved_at', 'an ISO time string');
  if (!isRecord(cookies) || !Array.isArray(cookies['cookies']) || !cookies['cookies'].every(isRecord)) {
    bad('.cookies', "tough-cookie's serialised jar (an object with a \"cookies\" list)");
  }
  if (!isRecord(variables) || !Object.values(variables).every((v) => typeof v === 'string')) bad('.variables', 'an object of strings');
  if (proxy !== null && typeof proxy !== 'string') bad('.proxy', 'a proxy URL string or null');
  if (!Array.isArray(once) || !once.every((name) => typeof name === 'string')) bad('.once', 'a list of step names');
  return {
    id: id as number,
    saved_at: savedAt as string,
    cookies: cookies as unknown as SerializedCookies,
    variables: { ...(variables as Record<string, string>) },
    proxy: proxy as string | null,
    once: [...(once as string[])],
  };
}
