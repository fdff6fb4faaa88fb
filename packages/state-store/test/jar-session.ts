/** A stand-in for a Session in these tests: an id, variables and a real tough-cookie jar. */
import { CookieJar, type SerializedCookieJar } from 'tough-cookie';
import type { StatefulSession } from '../src/index.js';

export interface JarSession extends StatefulSession {
  readonly cookieJar: CookieJar;
}

export function jarSession(id: number, proxy?: { url: string }): JarSession {
  const cookieJar = new CookieJar();
  return {
    id,
    cookieJar,
    variables: new Map(),
    ...(proxy === undefined ? {} : { proxy }),
    exportCookies: () => cookieJar.serialize(),
    importCookies: async (serialized: SerializedCookieJar): Promise<number> => {
      const from = await CookieJar.deserialize(serialized);
      let added = 0;
      for (const cookie of await from.store.getAllCookies()) {
        const expires = cookie.expiryTime();
        if (expires !== undefined && expires <= Date.now()) continue;
        await cookieJar.store.putCookie(cookie);
        added++;
      }
      return added;
    },
  } as JarSession;
}
