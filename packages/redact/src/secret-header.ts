/** Names whose values are credentials however they are spelled around them. */
const SECRET_FRAGMENT = /token|secret|password|api[-_]?key/i;

/** Credential headers whose names hold no secret fragment: matched whole. */
const SECRET_NAMES: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** The shortest name that can match: `token`. */
const MIN_LENGTH = 5;

/**
 * Whether a header (or any field) named `name` carries a credential, in any
 * letter case: `authorization`, `proxy-authorization`, `cookie`, `set-cookie`,
 * and every name containing `token`, `secret`, `password`, `api-key`, `api_key`
 * or `apikey` (`x-api-key`, `X-Auth-Token`, `client_secret`, `DB_PASSWORD`).
 *
 * Called for every key of every logged object: short names return after one
 * comparison, the fragment regex is compiled once, and only names of a whole
 * secret name's length are lower-cased (and then only when not lower case).
 */
export function isSecretHeader(name: string): boolean {
  const length = name.length;
  if (length < MIN_LENGTH) return false;
  if (SECRET_FRAGMENT.test(name)) return true;
  switch (length) {
    case 6: // cookie
    case 10: // set-cookie
    case 13: // authorization
    case 19: // proxy-authorization
      return SECRET_NAMES.has(name) || SECRET_NAMES.has(name.toLowerCase());
    default:
      return false;
  }
}
