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

/** A resolved request target, parsed once: what undici's dispatch and messages need. */
export interface RequestTarget {
  readonly origin: string;
  /** pathname + search. */
  readonly path: string;
  readonly href: string;
  /** `href` with credentials masked. */
  readonly display: string;
  readonly protocol: string;
  /**
   * Origin + the RFC 6265 default-path: what a Set-Cookie line without Domain
   * or Path attributes depends on (its host and path come from the URL).
   */
  readonly cookieScope: string;
}

/** RFC 6265 5.1.4: the directory of the path ('/a/b' -> '/a', '/a' -> '/'). */
export function defaultCookiePath(pathname: string): string {
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

// Parsing a URL costs microseconds and sessions ask for the same few again and
// again. Parsing is a pure function, so one bounded memo serves every session
// without sharing any session state.
const MEMO_LIMIT = 4096;
const memo = new Map<string, RequestTarget>();

function toTarget(url: URL): RequestTarget {
  return {
    origin: url.origin,
    path: url.pathname + url.search,
    href: url.href,
    display: displayUrl(url),
    protocol: url.protocol,
    cookieScope: url.origin + defaultCookiePath(url.pathname),
  };
}

/** `resolveRequestUrl`, memoised, as a `RequestTarget`; throws what `new URL` throws. */
export function resolveTarget(url: string | undefined, path: string | undefined, base: URL | undefined): RequestTarget | undefined {
  const key = url !== undefined ? url : path !== undefined ? (base === undefined ? undefined : `${base.href}\n${path}`) : base?.href;
  if (key === undefined) return undefined;
  let target = memo.get(key);
  if (target === undefined) {
    const resolved = resolveRequestUrl(url, path, base);
    if (resolved === undefined) return undefined;
    target = toTarget(resolved);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, target);
  }
  return target;
}
