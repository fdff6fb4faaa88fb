const CREDENTIALS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@/;

/**
 * Masks the user info of a URL (`https://user:pass@host` -> `https://***:***@host`)
 * and leaves the rest byte for byte: no `URL` round trip that would reformat it.
 */
export function redactUrl(url: string): string {
  return url.replace(CREDENTIALS, (_match, scheme: string, userInfo: string) =>
    `${scheme}${userInfo.includes(':') ? '***:***' : '***'}@`,
  );
}
