/** Name of the session cookie set by `POST /login` and `GET /cookie`. */
export const SESSION_COOKIE = 'sid';

/**
 * Parses a `Cookie` request header into name -> value. The first occurrence of a name wins
 * (browsers send the most specific cookie first). Values are percent-decoded when valid.
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || Object.hasOwn(out, name)) continue;
    out[name] = decodeValue(part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Reads one cookie without building the whole map: this runs on every request for the
 * /stats session accounting, so it avoids allocating per cookie.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let from = 0;
  while (from < header.length) {
    const end = header.indexOf(';', from);
    const stop = end === -1 ? header.length : end;
    let start = from;
    while (start < stop && header.charCodeAt(start) === 32) start++;
    if (header.startsWith(name, start) && header.charCodeAt(start + name.length) === 61 /* = */) {
      const value = header.slice(start + name.length + 1, stop).trim();
      return value === '' ? undefined : decodeValue(value);
    }
    from = stop + 1;
  }
  return undefined;
}

/** `Set-Cookie` line for a session id: HttpOnly so page scripts cannot read it. */
export function sessionCookieLine(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`;
}

function decodeValue(value: string): string {
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!unquoted.includes('%')) return unquoted;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
}
