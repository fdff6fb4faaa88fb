import { classifyError } from '@session-engine/client-factory';
import type { ProxyEntry } from '@session-engine/proxy';
import type { CookieJar } from 'tough-cookie';
import type { Dispatcher } from 'undici';
import type { ProxySource, SessionClient, SessionProxy } from './contracts.js';
import {
  InvalidRequestError,
  InvalidStateTransitionError,
  SessionClosedError,
  SessionRequestError,
  SessionTimeoutError,
} from './errors.js';
import { buildHeaderProfile, mergeHeaders } from './header-profile.js';
import { displayUrl, resolveRequestUrl } from './request-url.js';
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
  /** The proxy the client was built with (for display); fixed for the session's life. */
  proxy?: P;
  /** Base URL that `path` is resolved against (config `target_url`). */
  baseUrl?: string | URL;
  /** Header layers applied in order, later wins (e.g. config headers, then session overrides). */
  headers?: Readonly<Record<string, string>> | (Readonly<Record<string, string>> | undefined)[];
  /** Whole-request deadline in ms (headers and body); 0 = none. */
  requestTimeout?: number;
  /** Clock for `createdAt`/`lastActivity` (ms); defaults to `Date.now`. */
  now?: () => number;
  /** Told about connection outcomes through `proxy`, so a dead proxy can be skipped for new sessions. */
  proxyHealth?: Pick<ProxySource<P>, 'reportFailure' | 'reportSuccess'>;
}

/** Failure kinds that mean the connection (to the proxy, or through it) could not be made. */
const CONNECTION_FAILURES = new Set([
  'proxy_connect',
  'proxy_auth',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * One isolated HTTP identity: its own client (dispatcher + cookie jar), proxy
 * and header profile. Requests are fully buffered so the connection always
 * goes back to the session's pool before `request()` resolves.
 */
export class Session<P extends SessionProxy = ProxyEntry> {
  readonly id: number;
  readonly proxy: P | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly createdAt: number;
  /** Scenario captures live here. */
  readonly variables = new Map<string, string>();

  #state: SessionState = 'idle';
  #lastActivity: number;
  #requests = 0;
  #failures = 0;
  #bytes = 0;
  #consecutiveFailures = 0;
  #closing: Promise<void> | undefined;
  #forced = false;
  readonly #client: SessionClient;
  readonly #dispatcher: Dispatcher;
  readonly #jar: CookieJar;
  readonly #baseUrl: URL | undefined;
  readonly #timeout: number;
  readonly #proxyHealth: Pick<ProxySource<P>, 'reportFailure' | 'reportSuccess'> | undefined;
  readonly #now: () => number;

  constructor(options: SessionOptions<P>) {
    this.id = options.id;
    this.#client = options.client;
    this.#dispatcher = options.client.dispatcher;
    this.#jar = options.client.cookieJar;
    this.proxy = options.proxy;
    const layers = Array.isArray(options.headers) ? options.headers : [options.headers];
    this.headers = buildHeaderProfile(...layers);
    this.#baseUrl =
      options.baseUrl === undefined || options.baseUrl === '' ? undefined : new URL(options.baseUrl);
    this.#timeout = options.requestTimeout ?? 0;
    this.#proxyHealth = options.proxy === undefined ? undefined : options.proxyHealth;
    this.#now = options.now ?? Date.now;
    this.createdAt = this.#now();
    this.#lastActivity = this.createdAt;
  }

  get state(): SessionState {
    return this.#state;
  }

  get cookieJar(): CookieJar {
    return this.#jar;
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
   * are aborted instead (they fail with causeCode `SE_ERR_SESSION_CLOSED`);
   * a forced close may follow a graceful one that is taking too long.
   */
  close(options?: { force?: boolean }): Promise<void> {
    const force = options?.force === true;
    if (this.#closing === undefined) {
      this.#state = 'closed';
      this.#closing = force
        ? this.#destroy()
        : this.#client.close().catch((error: unknown) =>
            // A failed graceful close must still release the sockets.
            this.#destroy(error instanceof Error ? error : undefined),
          );
    } else if (force && !this.#forced) {
      const graceful = this.#closing;
      this.#closing = Promise.all([graceful, this.#destroy()]).then(() => undefined);
    }
    return this.#closing;
  }

  #destroy(error: Error = new SessionClosedError(this.id)): Promise<void> {
    this.#forced = true;
    return this.#client.destroy(error).catch(() => undefined);
  }

  async request(req: SessionRequest): Promise<SessionResponse> {
    if (this.#state === 'closed') throw new SessionClosedError(this.id);
    const method = req.method === undefined ? 'GET' : req.method.toUpperCase();
    const url = this.#resolve(req);
    const href = url.href;

    const headers = mergeHeaders({ ...this.headers }, req.headers);
    let body: string | Buffer | null = req.body ?? null;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    }
    const cookie = await this.#jar.getCookieString(href);
    // close() may have started while the jar was read.
    if (this.#closing !== undefined) throw new SessionClosedError(this.id);
    if (cookie !== '') headers.cookie = headers.cookie === undefined ? cookie : `${cookie}; ${headers.cookie}`;

    // undici's own timeouts are only accurate to about a second: one timer
    // covers connect, headers and body, and is cleared as soon as we are done.
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      this.#timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, this.#timeout)
        : undefined;
    const signal = req.signal;
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal !== undefined) {
      if (signal.aborted) controller.abort(signal.reason);
      else signal.addEventListener('abort', onAbort, { once: true });
    }

    try {
      const data = await this.#dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: controller.signal,
      });
      let payload: Buffer;
      try {
        // Reading the whole body is what returns the socket to the pool.
        payload = Buffer.from(await data.body.arrayBuffer());
      } catch (error) {
        data.body.destroy();
        throw error;
      }
      if (this.#proxyHealth !== undefined) this.#proxyHealth.reportSuccess?.(this.proxy as P);
      const responseHeaders = normaliseHeaders(data.headers);
      for (const line of responseHeaders['set-cookie'] as string[]) {
        await this.#jar.setCookie(line, href, { ignoreError: true });
      }
      this.#requests++;
      this.#bytes += payload.length;
      this.#lastActivity = this.#now();
      if (data.statusCode >= 500) {
        this.#failures++;
        this.#consecutiveFailures++;
      } else {
        this.#consecutiveFailures = 0;
      }
      return new BufferedResponse(data.statusCode, responseHeaders, payload, displayUrl(url));
    } catch (error) {
      this.#requests++;
      this.#lastActivity = this.#now();
      const shown = displayUrl(url);
      if (timedOut) {
        this.#countFailure();
        throw new SessionTimeoutError(this.id, method, shown, this.#timeout, { cause: error });
      }
      if (signal?.aborted === true) {
        throw new SessionRequestError(this.id, method, shown, 'aborted', 'aborted by caller', { cause: error });
      }
      this.#countFailure();
      const kind = classifyError(error);
      if (this.#proxyHealth !== undefined && CONNECTION_FAILURES.has(kind)) this.#proxyHealth.reportFailure?.(this.proxy as P);
      throw new SessionRequestError(this.id, method, shown, kind, errorDetail(error), {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #countFailure(): void {
    this.#failures++;
    this.#consecutiveFailures++;
  }

  #resolve(req: SessionRequest): URL {
    let url: URL | undefined;
    try {
      url = resolveRequestUrl(req.url, req.path, this.#baseUrl);
    } catch (error) {
      throw new InvalidRequestError(this.id, `invalid URL ${JSON.stringify(req.url ?? req.path)}`, {
        cause: error,
      });
    }
    if (url === undefined) {
      throw new InvalidRequestError(
        this.id,
        req.path === undefined ? 'no url, no path and no base URL' : `path "${req.path}" needs a base URL`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidRequestError(this.id, `unsupported protocol "${url.protocol}" in ${displayUrl(url)}`);
    }
    return url;
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
