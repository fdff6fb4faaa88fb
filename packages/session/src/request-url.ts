/**
 * Resolves a request target: an absolute `url` wins; otherwise `path` is
 * resolved against the base URL (WHATWG rules, like a browser link).
 * Returns `undefined` when there is nothing to resolve.
 */
export function resolveRequestUrl(
  url: string | undefined,
  path: string | undefined,
  base: URL | undefined,
): URL | undefined {
  if (url !== undefined) return new URL(url);
  if (path !== undefined) return base === undefined ? undefined : new URL(path, base);
  return base === undefined ? undefined : new URL(base.href);
}

/** The URL for messages and logs: credentials masked so they never reach a log line. */
export function displayUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const masked = new URL(url.href);
  masked.username = '***';
  masked.password = '';
  return masked.href;
}
