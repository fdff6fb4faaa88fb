/**
 * Following HTTP redirects the way a browser's fetch does (WHATWG Fetch,
 * "HTTP-redirect fetch"), one hop at a time through the session's own
 * request path, so every hop uses the session's pool, proxy and cookie jar:
 * a Set-Cookie on a 302 is stored before the next hop is sent, and the next
 * hop carries the jar's cookies for its own URL. undici's redirect
 * interceptor cannot do that: it hides the intermediate responses (their
 * Set-Cookie included) from the handler and replays the first request's
 * headers, cookie header included.
 */
import { InvalidOptionError, SessionRequestError } from './errors.js';
import { displayUrl, type RequestTarget } from './request-url.js';

/** Redirects followed by default, as k6 and browsers' "too many redirects" (Chrome and Firefox: 20, k6: 10). */
export const DEFAULT_MAX_REDIRECTS = 10;

/** What a hop is built from: the fields of a `SessionRequest` the next hop may carry on. */
export interface RedirectableRequest {
  readonly method?: string | undefined;
  readonly headers?: Record<string, string> | undefined;
  readonly body?: string | Buffer | undefined;
  readonly json?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** The request a redirect asks for: absolute `url`, never a `path`. */
export interface HopRequest extends RedirectableRequest {
  readonly method: string;
  readonly url: string;
}

/** Headers that belong to the origin they were set for: not sent to another origin (fetch, and undici's own redirect handler). */
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization', 'host'] as const;
/** Fetch's request-body-header names (plus content-length): dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location', 'content-length'] as const;

/**
 * One redirect hop of a request: what to send next, and what the chain
 * carries from hop to hop (how many redirects so far, the one deadline, and
 * the headers it no longer sends).
 */
export class RedirectHop {
  readonly request: HopRequest;
  /** Redirects followed to get here (1 for the first hop). */
  readonly count: number;
  /** The whole chain's deadline (performance.now() ms): one `request_timeout` for every hop. */
  readonly deadline: number;
  /** The chain went to another origin: the session's own origin-bound headers are not sent either. */
  readonly crossedOrigin: boolean;
  /** A redirect turned the request into a GET without a body: the session's body headers are not sent either. */
  readonly bodyDropped: boolean;

  constructor(request: HopRequest, count: number, deadline: number, crossedOrigin: boolean, bodyDropped: boolean) {
    this.request = request;
    this.count = count;
    this.deadline = deadline;
    this.crossedOrigin = crossedOrigin;
    this.bodyDropped = bodyDropped;
  }

  /** A copy of the session's header profile for this hop: origin-bound and body headers left out once the chain dropped them. */
  profile(profile: Readonly<Record<string, string>>): Record<string, string> {
    const headers = { ...profile };
    if (this.crossedOrigin) for (const name of ORIGIN_BOUND) delete headers[name];
    if (this.bodyDropped) for (const name of BODY_HEADERS) delete headers[name];
    return headers;
  }
}

/** The statuses a session follows: 301, 302, 303, 307, 308 (fetch's redirect statuses). */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** `maxRedirects` as given (an integer >= 0), or the default; throws `InvalidOptionError` otherwise. */
export function redirectLimit(value: unknown, name = 'maxRedirects'): number {
  if (value === undefined) return DEFAULT_MAX_REDIRECTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(`${name} must be an integer >= 0 (0 = do not follow redirects), got ${String(value)}`);
  }
  return value;
}

/** Why a redirect cannot be followed (the detail of a `bad_redirect` error). */
export type BadRedirect = { readonly problem: string };

const LOCATION_SHOWN = 200;

function quoted(location: string): string {
  const shown = location.length > LOCATION_SHOWN ? `${location.slice(0, LOCATION_SHOWN)}...` : location;
  return JSON.stringify(shown);
}

function without(headers: Record<string, string> | undefined, names: readonly string[]): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  const kept: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value !== undefined && !names.includes(lower)) kept[lower] = value;
  }
  return kept;
}

/**
 * The next hop for a redirect response, or why it cannot be followed.
 *
 * - `Location` is resolved against the URL that answered; missing, empty,
 *   unparsable, or not http/https -> `BadRedirect`.
 * - 301/302 after a POST, and 303 after anything but GET and HEAD, become a
 *   GET without a body (and without the body's content-* headers); 307 and
 *   308 keep the method and the body.
 * - Going to another origin (scheme, host or port) drops the caller's
 *   `authorization`, `cookie`, `proxy-authorization` and `host` headers, for
 *   the rest of the chain; the session's jar still supplies the cookies of
 *   each hop's own URL.
 *
 * `from` is what was sent (the caller's request, or the previous hop's),
 * `method` and `target` as sent, `deadline` the chain's.
 */
export function redirectTo(
  from: RedirectableRequest,
  previous: RedirectHop | undefined,
  method: string,
  target: RequestTarget,
  status: number,
  location: string | string[] | undefined,
  deadline: number,
): RedirectHop | BadRedirect {
  // Repeated Location headers that agree are one Location; ones that disagree name no target.
  const value = Array.isArray(location) ? (location.every((l) => l === location[0]) ? location[0] : undefined) : location;
  if (value === undefined || value.trim() === '') {
    return {
      problem: Array.isArray(location) && location.length > 1 ? `${status} redirect with ${location.length} different Location headers` : `${status} redirect without a Location header`,
    };
  }
  let url: URL;
  try {
    url = new URL(value, target.href);
  } catch {
    return { problem: `${status} redirect to an unparsable Location ${quoted(value)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `${status} redirect to ${quoted(displayUrl(url))}: only http and https are followed` };
  }

  const toGet = ((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD');
  const crossed = url.origin !== target.origin;
  const crossedOrigin = crossed || previous?.crossedOrigin === true;
  const bodyDropped = toGet || previous?.bodyDropped === true;

  let headers = from.headers;
  if (crossed) headers = without(headers, ORIGIN_BOUND);
  if (toGet) headers = without(headers, BODY_HEADERS);
  const request: HopRequest = toGet
    ? { method: 'GET', url: url.href, headers, signal: from.signal }
    : { method, url: url.href, headers, body: from.body, json: from.json, signal: from.signal };
  return new RedirectHop(request, (previous?.count ?? 0) + 1, deadline, crossedOrigin, bodyDropped);
}

/** More redirects than the session follows: kind `redirect_loop` (a browser's "too many redirects"). */
export function redirectLoopError(sessionId: number, method: string, target: RequestTarget, max: number, next: RedirectHop): SessionRequestError {
  return new SessionRequestError(
    sessionId,
    method,
    target.display,
    'redirect_loop',
    `more than ${max} redirect${max === 1 ? '' : 's'} (max_redirects ${max}); the next would go to ${displayUrl(new URL(next.request.url))}`,
  );
}

/** A redirect that cannot be followed: kind `bad_redirect`. */
export function badRedirectError(sessionId: number, method: string, target: RequestTarget, bad: BadRedirect): SessionRequestError {
  return new SessionRequestError(sessionId, method, target.display, 'bad_redirect', bad.problem);
}
