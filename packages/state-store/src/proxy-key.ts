/**
 * The proxy a session is saved with: `scheme://user@host:port`. The username
 * stays (rotating-proxy gateways pick the exit IP by it), the password never
 * reaches the state store; matching on this key finds the same proxy again.
 */
export function proxyKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const user = parsed.username === '' ? '' : `${parsed.username}@`;
  const port = parsed.port === '' ? '' : `:${parsed.port}`;
  return `${parsed.protocol}//${user}${parsed.hostname}${port}`;
}
