import { countsAgainstProxy, failureKind, isNeverSentKind } from '@session-engine/failures';
import type { ProxyEntry } from '@session-engine/proxy';
import { CookieJar, type Cookie, type SerializedCookieJar } from 'tough-cookie';
import { errors as undiciErrors, util as undiciUtil, type Dispatcher } from 'undici';
import type { ProxySource, SessionClient, SessionProxy } from './contracts.js';
import {
  InvalidRequestError,
  InvalidStateTransitionError,
  SessionClosedError,
  SessionHookError,
  SessionRequestError,
  SessionTimeoutError,
} from './errors.js';
import { buildHeaderProfile, mergeHeaders } from './header-profile.js';
import { Deadlines } from './deadlines.js';
import { badRedirectError, isRedirectStatus, redirectLimit, redirectLoopError, RedirectHop, redirectTo } from './redirects.js';
import { resolveTarget, type RequestTarget } from './request-url.js';
import { ResponseCollector, type CollectorOwner, type RawHeaders } from './response-collector.js';
import { BufferedResponse, normaliseHeaders, type SessionResponse } from './session-response.js';
import type { SessionState } from './session-state.js';

/** One request. `url` (absolute) wins over `path` (resolved against the base URL); neither = the base URL. */
export interface SessionRequest {
  method?: string;
  url?: string;
  path?: string;
  /** Sent after the session's headers; a name given here replaces the session's value (case-insensitive). */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Serialised as the body; sets `content-type: application/json` unless a content-type is given. */
  json?: unknown;
  /** Aborts the request (the caller's own cancel; not counted as a failure). */
  signal?: AbortSignal;
}

/** Per-session counters since creation. */
export interface SessionStats {
  /** Requests that finished, successfully or not. */
  readonly requests: number;
  /** Transport errors, timeouts and 5xx responses (caller aborts excluded). */
  readonly failures: number;
  /** Response body bytes received. */
  readonly bytes: number;
}

export interface SessionOptions<P extends SessionProxy = ProxyEntry> {
  /** Positive integer, unique within its manager. */
  id: number;
  client: SessionClient;
  /** The proxy the client was built with; it changes only when the session moves (`moveTo`). */
  proxy?: P;
  /** Base URL that `path` is resolved against (config `target_url`). A `URL` is kept as given, not copied: do not modify it afterwards. */
  baseUrl?: string | URL;
  /** Header layers applied in order, later wins (e.g. config headers, then session overrides). */
  headers?: Readonly<Record<string, string>> | (Readonly<Record<string, string>> | undefined)[];
  /** Whole-request deadline in ms (connect, proxy tunnel, TLS, send, headers and body); 0 = none. */
  requestTimeout?: number;
  /** Clock for `createdAt`/`lastActivity` (ms); defaults to `Date.now`. */
  now?: () => number;
  /** Told about connection outcomes through `proxy`, so a dead proxy can be skipped for new sessions. */
  proxyHealth?: Pick<ProxySource<P>, 'reportFailure' | 'reportSuccess'>;
  /** Shared deadline sweeper (a manager gives all its sessions one); default: the session's own. */
  deadlines?: Deadlines;
  /**
   * Redirects (301, 302, 303, 307, 308) followed within one request, through this session (config
   * `max_redirects`); default 10. 0 = a redirect is the response. See redirects.ts.
   */
  maxRedirects?: number;
  /**
   * While the session is parked (no healthy proxy), called before each request to find one
   * (a manager moves the session). Without it, a parked session's requests fail.
   */
  reacquireProxy?: () => void;
  /**
   * Called when a request could not reach `proxy` at all (a failure kind that counts against the
   * proxy and was never sent: refused, connect timeout): a manager moves the session to another
   * healthy proxy, so the retry goes out elsewhere at once. Its outcome is still reported to `proxyHealth`.
   */
  onProxyUnreachable?(proxy: P): void;
}

const COOKIE_CACHE_SIZE = 16;
const EXPIRY_ATTRIBUTE = /;\s*(expires|max-age)\s*=/i;

function cookieString(cookies: readonly Cookie[]): string {
  if (cookies.length === 0) return '';
  if (cookies.length === 1) return cookies[0]!.cookieString();
  return cookies.map((c) => c.cookieString()).join('; ');
}

/** A request in flight: its collector, settled by the session that sent it. */
type Call = ResponseCollector<SessionResponse, Session<SessionProxy>>;

// One handler owner for every request of every session; it reaches the
// session's private completion steps through these (set in Session's static block).
let completeCall: (call: Call) => SessionResponse | Promise<SessionResponse>;
let failCall: (call: Call, error: Error) => Error;
let abandonConnect: (call: Call) => void;
/** The session's own jar, without marking it handed out (for the client of a proxy it moves to). Package-internal. */
export let jarOf: (session: Session<SessionProxy>) => CookieJar;
const OWNER: CollectorOwner<SessionResponse, Session<SessionProxy>> = {
  complete: (call) => completeCall(call),
  fail: (call, error) => failCall(call, error),
  abandonConnect: (call) => abandonConnect(call),
};

/** The Set-Cookie lines of a raw header list, or `undefined` when there are none. */
function setCookieLines(raw: RawHeaders): string[] | undefined {
  let lines: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Length first: most header names are not 10 bytes long and need no decoding at all.
    if (name.length !== 10 || undiciUtil.headerNameToString(name) !== 'set-cookie') continue;
    const value = raw[i + 1]!;
    (lines ??= []).push(typeof value === 'string' ? value : value.toString('latin1'));
  }
  return lines;
}

/**
 * One isolated HTTP identity: its own client (dispatcher + cookie jar), proxy
 * and header profile. Requests are fully buffered so the connection always
 * goes back to the session's pool before `request()` resolves.
 */
export class Session<P extends SessionProxy = ProxyEntry> {
  readonly id: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly createdAt: number;
  #variables: Map<string, string> | undefined;

  #state: SessionState = 'idle';
  #lastActivity: number;
  #requests = 0;
  #failures = 0;
  #bytes = 0;
  #consecutiveFailures = 0;
  #closing: Promise<void> | undefined;
  #forced = false;
  #proxy: P | undefined;
  #client: SessionClient;
  #dispatcher: Dispatcher;
  /** Clients of proxies the session moved away from, closing once their requests are done. */
  readonly #retired = new Set<SessionClient>();
  /** No usable proxy: requests fail fast with `no_healthy_proxy` until `reacquireProxy` finds one. */
  #parked = false;
  readonly #reacquire: (() => void) | undefined;
  // A method type (bivariant in P), so a Session<P> still passes as a Session<SessionProxy>.
  readonly #unreachable: Pick<SessionOptions<P>, 'onProxyUnreachable'>;
  readonly #jar: CookieJar;
  readonly #baseUrl: URL | undefined;
  readonly #timeout: number;
  readonly #proxyHealth: Pick<ProxySource<P>, 'reportFailure' | 'reportSuccess'> | undefined;
  readonly #now: () => number;
  readonly #deadlines: Deadlines;
  readonly #maxRedirects: number;
  /** The jar may hold cookies (something was stored, or the jar was handed out). */
  #jarUsed = false;
  /** The jar was handed out through `cookieJar`, so it can change without us knowing. */
  #jarShared = false;
  #cookieCache: Map<string, { value: string; expires: number }> | undefined;
  /** The profile plus the last cookie header sent (frozen, never handed to a proxy dispatcher). */
  #withCookie: Readonly<Record<string, string>> | undefined;
  #withCookieFor: string | undefined;
  #lastOptions: Dispatcher.DispatchOptions | undefined;
  #lastTarget: RequestTarget | undefined;
  /** The last url/path resolved and its target. */
  #resolved: RequestTarget | undefined;
  #resolvedUrl: string | undefined;
  #resolvedPath: string | undefined;
  /** The last Set-Cookie lines stored and the cookie scope (origin + default path) of their URL. */
  #lastSetCookie: string | undefined;
  #lastSetCookieScope: string | undefined;

  constructor(options: SessionOptions<P>) {
    this.id = options.id;
    this.#client = options.client;
    this.#dispatcher = options.client.dispatcher;
    this.#jar = options.client.cookieJar;
    this.#proxy = options.proxy;
    this.#reacquire = options.reacquireProxy;
    this.#unreachable = options.onProxyUnreachable === undefined ? {} : { onProxyUnreachable: options.onProxyUnreachable };
    const layers = Array.isArray(options.headers) ? options.headers : [options.headers];
    this.headers = buildHeaderProfile(...layers);
    // A URL given is used as it is, never modified: a manager parses its target once for all its sessions.
    const base = options.baseUrl;
    this.#baseUrl = base === undefined || base === '' ? undefined : base instanceof URL ? base : new URL(base);
    this.#timeout = options.requestTimeout ?? 0;
    this.#proxyHealth = options.proxy === undefined ? undefined : options.proxyHealth;
    this.#now = options.now ?? Date.now;
    this.#deadlines = options.deadlines ?? new Deadlines(this.#timeout);
    this.#maxRedirects = redirectLimit(options.maxRedirects);
    this.createdAt = this.#now();
    this.#lastActivity = this.createdAt;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The proxy requests go through now (`undefined` = direct). */
  get proxy(): P | undefined {
    return this.#proxy;
  }

  /** True while the session has no usable proxy: its requests fail fast with kind `no_healthy_proxy`. */
  get parked(): boolean {
    return this.#parked;
  }

  /**
   * Moves the session to `proxy`, sending from now on through `client` (built
   * for that proxy, with this session's cookie jar): the cookies, variables,
   * headers and counters stay. The old client closes once its requests in
   * flight are done; their outcomes are still reported against the old proxy.
   * On a closed session, `client` is closed at once.
   */
  moveTo(proxy: P | undefined, client: SessionClient): void {
    if (this.#state === 'closed') {
      void client.close().catch(() => undefined);
      return;
    }
    const old = this.#client;
    this.#proxy = proxy;
    this.#client = client;
    this.#dispatcher = client.dispatcher;
    this.#parked = false;
    this.#lastOptions = undefined;
    if (old !== client) {
      this.#retired.add(old);
      void old
        .close()
        .catch(() => old.destroy().catch(() => undefined))
        .finally(() => this.#retired.delete(old));
    }
  }

  /** No proxy can be used now: requests fail fast (kind `no_healthy_proxy`) until one is found again. */
  park(): void {
    this.#parked = true;
  }

  /** The proxy is usable again (e.g. a half-open probe on the session's own proxy). */
  unpark(): void {
    this.#parked = false;
  }

  /** Scenario captures live here (made on first use: most sessions of a plain run never need it). */
  get variables(): Map<string, string> {
    return (this.#variables ??= new Map<string, string>());
  }

  get cookieJar(): CookieJar {
    this.#jarUsed = true;
    this.#jarShared = true;
    return this.#jar;
  }

  /**
   * The cookie jar in tough-cookie's own serialisation (`jar.serialize()`),
   * read without handing the jar out, so the cookie-header cache stays on:
   * for saving session state.
   */
  exportCookies(): Promise<SerializedCookieJar> {
    return this.#jar.serialize();
  }

  /**
   * Adds cookies serialised by `exportCookies()` (e.g. in an earlier run) to
   * the jar, replacing any with the same domain, path and name; cookies that
   * have expired since are skipped. Resolves with how many were added.
   */
  async importCookies(serialized: SerializedCookieJar | string): Promise<number> {
    const from = await CookieJar.deserialize(serialized);
    const now = Date.now();
    let added = 0;
    for (const cookie of await from.store.getAllCookies()) {
      const expires = cookie.expiryTime();
      if (expires !== undefined && expires <= now) continue;
      await this.#jar.store.putCookie(cookie);
      added++;
    }
    if (added > 0) {
      this.#jarUsed = true;
      this.#cookieCache?.clear();
      this.#lastSetCookie = undefined;
    }
    return added;
  }

  /** When the last request finished (or creation time); ms on the session's clock. */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** A snapshot of the counters. */
  get stats(): SessionStats {
    return { requests: this.#requests, failures: this.#failures, bytes: this.#bytes };
  }

  /**
   * Opens the session's first connection to its target (`baseUrl`'s origin)
   * now, so its first request does not pay for connecting (TCP, TLS, SOCKS,
   * an HTTP(S) proxy's tunnel). Not a request: nothing is sent, no counters,
   * no proxy health. Resolves true once the connection is open in the pool
   * the first request uses; false when nothing was opened (no target, closed
   * or parked, a client without `preconnect`). Rejects with the connect
   * error: the first request then connects as it always did.
   */
  preconnect(): Promise<boolean> {
    const base = this.#baseUrl;
    const client = this.#client;
    if (base === undefined || this.#state === 'closed' || this.#parked || client.preconnect === undefined) return Promise.resolve(false);
    return client.preconnect(base);
  }

  /** idle -> active. */
  activate(): void {
    this.#transition('idle', 'active');
  }

  /** active -> paused. */
  pause(): void {
    this.#transition('active', 'paused');
  }

  /** paused -> active. */
  resume(): void {
    this.#transition('paused', 'active');
  }

  /**
   * Any state -> closed; idempotent. Waits for in-flight requests, then
   * releases every socket of the client. With `force`, in-flight requests
   * are aborted instead (they fail with causeCode `session_closed`);
   * a forced close may follow a graceful one that is taking too long.
   */
  close(options?: { force?: boolean }): Promise<void> {
    const force = options?.force === true;
    if (this.#closing === undefined) {
      this.#state = 'closed';
      const client = this.#client;
      this.#closing = force
        ? this.#destroy()
        : Promise.all([
            client.close().catch((error: unknown) =>
              // A failed graceful close must still release the sockets.
              this.#destroy(error instanceof Error ? error : undefined),
            ),
            ...[...this.#retired].map((old) => old.close().catch(() => undefined)),
          ]).then(() => undefined);
    } else if (force && !this.#forced) {
      const graceful = this.#closing;
      this.#closing = Promise.all([graceful, this.#destroy()]).then(() => undefined);
    }
    return this.#closing;
  }

  #destroy(error: Error = new SessionClosedError(this.id)): Promise<void> {
    this.#forced = true;
    const clients = [this.#client, ...this.#retired];
    return Promise.all(clients.map((client) => client.destroy(error).catch(() => undefined))).then(() => undefined);
  }

  request(req: SessionRequest): Promise<SessionResponse> {
    try {
      return this.#send(req);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Dispatches `req` (a redirect's next `hop`: `hop.request`); its collector settles the returned promise (see `#complete` / `#fail`). */
  #send(req: SessionRequest, hop?: RedirectHop): Promise<SessionResponse> {
    if (this.#state === 'closed') throw new SessionClosedError(this.id);
    const method = req.method === undefined ? 'GET' : req.method.toUpperCase();
    const target = this.#resolve(req);
    if (this.#parked) {
      this.#reacquire?.();
      if (this.#parked) throw this.#noProxy(method, target);
    }

    // The frozen profile is sent as it is when nothing is added to it.
    let headers: Record<string, string> = this.headers as Record<string, string>;
    let body: string | Buffer | null = req.body ?? null;
    // undici's ProxyAgent writes a host header into the object it is given.
    let own = this.proxy !== undefined || hop !== undefined;
    if (own) headers = hop === undefined ? { ...headers } : hop.profile(headers);
    if (req.headers !== undefined) {
      if (!own) headers = { ...headers };
      own = true;
      mergeHeaders(headers, req.headers);
    }
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      if (!own) headers = { ...headers };
      own = true;
      headers['content-type'] ??= 'application/json';
    }
    const cookie = this.#cookieHeader(target.href);
    if (cookie !== '') {
      if (own) {
        const given = headers.cookie;
        headers.cookie = given === undefined ? cookie : `${cookie}; ${given}`;
      } else {
        headers = this.#profileWithCookie(cookie);
      }
    }

    const call: Call = new ResponseCollector(OWNER, this as Session<SessionProxy>, method, target);
    const outcome = call.start();
    call.request = hop ?? req;
    call.via = this.#proxy;
    const signal = req.signal;
    if (signal !== undefined) {
      const onAbort = (): void => call.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      call.signal = signal;
      call.onAbort = onAbort;
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    if (this.#timeout > 0) {
      // A redirect chain is one request: every hop has the first hop's deadline.
      call.deadline = hop === undefined ? performance.now() + this.#timeout : hop.deadline;
      this.#deadlines.add(call);
    }
    // undici reads the options and keeps none of them, so a session's repeated request reuses one object.
    let options = this.#lastOptions;
    if (options === undefined || body !== null || options.headers !== headers || options.method !== method || this.#lastTarget !== target) {
      options = { origin: target.origin, path: target.path, method: method as Dispatcher.HttpMethod, headers, body };
      this.#lastOptions = body === null ? options : undefined;
      this.#lastTarget = target;
    }
    try {
      this.#dispatcher.dispatch(options, call);
    } catch (error) {
      call.onError(error as Error);
    }
    return outcome;
  }

  /** Ends a request's bookkeeping, whatever its outcome. */
  #settle(call: Call): void {
    if (call.deadline !== Infinity) this.#deadlines.delete(call);
    if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
    this.#requests++;
    this.#lastActivity = this.#now();
  }

  #complete(call: Call): SessionResponse | Promise<SessionResponse> {
    const raw = call.rawHeaders;
    const status = call.status;
    const payload = call.body();
    this.#settle(call);
    this.#bytes += payload.length;
    if (status >= 500) this.#countFailure();
    else this.#consecutiveFailures = 0;
    // Hooks run after the bookkeeping, so a throwing one cannot leave the request half counted.
    const setCookie = setCookieLines(raw);
    let hookError: SessionHookError | undefined;
    if (setCookie !== undefined) {
      try {
        this.#storeCookies(setCookie, call.target);
      } catch (thrown) {
        hookError = new SessionHookError(this.id, 'setCookie', { cause: thrown });
      }
    }
    if (this.#proxyHealth !== undefined && call.via !== undefined) {
      try {
        this.#proxyHealth.reportSuccess?.(call.via as P);
      } catch (thrown) {
        hookError ??= new SessionHookError(this.id, 'reportSuccess', { cause: thrown });
      }
    }
    if (hookError !== undefined) {
      // The caller gets the hook's error, not a response the session could not finish (e.g. a cookie not stored).
      if (status < 500) this.#countFailure();
      throw hookError;
    }
    const hop = call.request instanceof RedirectHop ? call.request : undefined;
    if (this.#maxRedirects > 0 && isRedirectStatus(status)) return this.#redirect(call, hop);
    return new BufferedResponse(status, raw, payload, call.target.display, hop?.count ?? 0);
  }

  /** The next hop of a redirect, sent (the chain settles with it), or throws why it cannot be followed. */
  #redirect(call: Call, previous: RedirectHop | undefined): Promise<SessionResponse> {
    const from = previous?.request ?? (call.request as SessionRequest);
    const location = normaliseHeaders(call.rawHeaders).location;
    const next = redirectTo(from, previous, call.method, call.target, call.status, location, call.deadline);
    if (!(next instanceof RedirectHop)) {
      this.#countFailure();
      throw badRedirectError(this.id, call.method, call.target, next);
    }
    if (next.count > this.#maxRedirects) {
      this.#countFailure();
      throw redirectLoopError(this.id, call.method, call.target, this.#maxRedirects, next);
    }
    // Sent once undici has taken this response off its connection (right after this callback):
    // sent now, the connection still looks busy and the pool would open a second one.
    return Promise.resolve(next).then((hop) => this.#send(hop.request, hop));
  }

  #fail(call: Call, error: Error): Error {
    this.#settle(call);
    const shown = call.target.display;
    if (call.signal?.aborted === true && !call.timedOut) {
      return new SessionRequestError(this.id, call.method, shown, 'aborted', 'aborted by caller', { cause: error });
    }
    this.#countFailure();
    const kind = failureKind(error);
    // A request that timed out while connecting failed to connect too (its cause is a connect timeout).
    let hookError: SessionHookError | undefined;
    if (this.#proxyHealth !== undefined && call.via !== undefined && countsAgainstProxy(kind)) {
      try {
        this.#proxyHealth.reportFailure?.(call.via as P);
      } catch (thrown) {
        hookError = new SessionHookError(this.id, 'reportFailure', { cause: thrown });
      }
    }
    // Nothing left through that proxy: the session leaves it (after the report, which may have opened its circuit).
    if (this.#unreachable.onProxyUnreachable !== undefined && call.via !== undefined && countsAgainstProxy(kind) && isNeverSentKind(kind)) {
      try {
        this.#unreachable.onProxyUnreachable(call.via as P);
      } catch (thrown) {
        hookError ??= new SessionHookError(this.id, 'onProxyUnreachable', { cause: thrown });
      }
    }
    // The request's own error stays the outcome (its kind drives retries and metrics); a hook's is attached.
    if (call.timedOut) {
      return new SessionTimeoutError(this.id, call.method, shown, this.#timeout, { cause: error, hookError });
    }
    return new SessionRequestError(this.id, call.method, shown, kind, errorDetail(error), { cause: error, hookError });
  }

  /**
   * A request's deadline passed while it waited for a connection: the
   * session's connects in progress are abandoned, failing the requests
   * waiting for them (a session's requests share its connects). The timed-out
   * one becomes a SessionTimeoutError; any other fails with
   * UND_ERR_CONNECT_TIMEOUT, a connection failure for retries and proxy health.
   */
  #abandonConnect(): void {
    this.#client.abortConnects?.(
      new undiciErrors.ConnectTimeoutError(`connect abandoned: no connection within the request timeout (${this.#timeout} ms)`),
    );
  }

  /** A request refused before it was sent: every proxy is down (see `park`). */
  #noProxy(method: string, target: RequestTarget): SessionRequestError {
    this.#requests++;
    this.#countFailure();
    this.#lastActivity = this.#now();
    return new SessionRequestError(
      this.id,
      method,
      target.display,
      'no_healthy_proxy',
      'no healthy proxy: every proxy of the list is down (circuit open) or was removed; not sent',
    );
  }

  static {
    jarOf = (session) => session.#jar;
    completeCall = (call) => call.context.#complete(call);
    failCall = (call, error) => call.context.#fail(call, error);
    abandonConnect = (call) => call.context.#abandonConnect();
  }

  /**
   * The `cookie` header for a URL. Reading the jar costs several microseconds
   * per request, so an empty jar is not read at all and a header is reused
   * until the jar changes or one of its cookies expires. Once the jar is
   * handed out (`cookieJar`), it may change behind our back: no reuse then.
   */
  #cookieHeader(href: string): string {
    if (!this.#jarUsed) return '';
    if (this.#jarShared) return cookieString(this.#jar.getCookiesSync(href));
    const cache = (this.#cookieCache ??= new Map());
    const hit = cache.get(href);
    if (hit !== undefined && hit.expires > Date.now()) return hit.value;
    const cookies = this.#jar.getCookiesSync(href);
    let expires = Infinity;
    for (const c of cookies) {
      const at = c.expiryTime();
      if (at !== undefined && at < expires) expires = at;
    }
    if (cache.size >= COOKIE_CACHE_SIZE) cache.clear();
    const value = cookieString(cookies);
    cache.set(href, { value, expires });
    return value;
  }

  /** The header profile with a `cookie` header, reused while the cookie header stays the same. */
  #profileWithCookie(cookie: string): Record<string, string> {
    let headers = this.#withCookie;
    if (headers === undefined || this.#withCookieFor !== cookie) {
      const profile = this.headers;
      const given = profile.cookie;
      headers = Object.freeze({ ...profile, cookie: given === undefined ? cookie : `${cookie}; ${given}` });
      this.#withCookie = headers;
      this.#withCookieFor = cookie;
    }
    return headers as Record<string, string>;
  }

  #storeCookies(lines: readonly string[], target: RequestTarget): void {
    // The same Set-Cookie lines again from the same origin and default path (e.g. a server
    // re-sending its session cookie) change nothing, unless they carry an expiry they would
    // refresh. A line without Domain/Path takes both from the URL, so another host or path
    // stores it again; so does a jar handed out, which may have changed behind our back.
    const joined = lines.length === 1 ? lines[0]! : lines.join('\n');
    if (
      joined === this.#lastSetCookie &&
      target.cookieScope === this.#lastSetCookieScope &&
      !this.#jarShared &&
      !EXPIRY_ATTRIBUTE.test(joined)
    ) {
      return;
    }
    this.#lastSetCookie = joined;
    this.#lastSetCookieScope = target.cookieScope;
    for (const line of lines) this.#jar.setCookieSync(line, target.href, { ignoreError: true });
    this.#jarUsed = true;
    this.#cookieCache?.clear();
  }

  #countFailure(): void {
    this.#failures++;
    this.#consecutiveFailures++;
  }

  #resolve(req: SessionRequest): RequestTarget {
    // A session usually sends the same url/path again: skip even the shared memo's key building.
    const url = req.url;
    const path = req.path;
    const last = this.#resolved;
    if (last !== undefined && url === this.#resolvedUrl && path === this.#resolvedPath) return last;
    const target = this.#resolveNew(req);
    this.#resolved = target;
    this.#resolvedUrl = url;
    this.#resolvedPath = path;
    return target;
  }

  #resolveNew(req: SessionRequest): RequestTarget {
    let target: RequestTarget | undefined;
    try {
      target = resolveTarget(req.url, req.path, this.#baseUrl);
    } catch (error) {
      throw new InvalidRequestError(this.id, `invalid URL ${JSON.stringify(req.url ?? req.path)}`, {
        cause: error,
      });
    }
    if (target === undefined) {
      throw new InvalidRequestError(
        this.id,
        req.path === undefined ? 'no url, no path and no base URL' : `path "${req.path}" needs a base URL`,
      );
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new InvalidRequestError(this.id, `unsupported protocol "${target.protocol}" in ${target.display}`);
    }
    return target;
  }

  #transition(from: SessionState, to: SessionState): void {
    if (this.#state !== from) {
      throw new InvalidStateTransitionError(this.id, this.#state, to);
    }
    this.#state = to;
  }
}

function errorDetail(error: unknown): string {
  if (error instanceof Error) {
    if (error.message !== '') return error.message;
    if (error instanceof AggregateError && error.errors.length > 0) return errorDetail(error.errors[0]);
    return error.name;
  }
  return String(error);
}
