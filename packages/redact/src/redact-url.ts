/**
 * `scheme://userinfo@`. The userinfo run stops at the characters that end a
 * URL authority (`/ ? # \`) or at whitespace; being greedy, it extends to the
 * last `@` of the authority, as the WHATWG URL parser does, so a password
 * holding an `@` is masked whole.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#\\]+)@/gi;

function mask(_match: string, scheme: string, userinfo: string): string {
  return userinfo.includes(':') ? `${scheme}***:***@` : `${scheme}***@`;
}

/**
 * Masks the credentials of every URL in `text`:
 * `http://user:pass@host:8080` becomes `http://***:***@host:8080`,
 * `https://u:p@ss@host` becomes `https://***:***@host`, and
 * `socks5://token@host` becomes `socks5://***@host`. Anything else is returned
 * unchanged (the same string), so it is safe to call on any message or value.
 */
export function redactUrl(text: string): string {
  // Most strings have no '@' at all: one scan, no regex, no allocation.
  if (text.indexOf('@') === -1 || text.indexOf('://') === -1) return text;
  return text.replace(USERINFO, mask);
}
