import { CookieJar } from 'tough-cookie';
import type { Dispatcher } from 'undici';
import { buildDispatcher, type BuiltDispatcher } from './dispatcher.js';
import { ClientError } from './errors.js';
import { resolveOptions, type HttpClientOptions } from './options.js';
import type { ProxyTarget } from './proxy-target.js';

const noop = (): void => undefined;
const INVALID_ARGUMENT = 'SE_ERR_CLIENT_INVALID_ARGUMENT';

/** One session's HTTP client: nothing in it is shared with any other client. */
export interface HttpClient {
  /** undici dispatcher owned by this client alone: pass it as `{ dispatcher }` to `request()`. */
  readonly dispatcher: Dispatcher;
  /** tough-cookie jar (the caller reads and fills it per request): a new one, or the `cookieJar` option's. */
  readonly cookieJar: CookieJar;
  /** The resolved proxy (a `ProxyEntry` passed in is returned as the same object), or undefined = direct. */
  readonly proxy: ProxyTarget | undefined;
  /**
   * ms; also the headers and body timeouts. For an end-to-end deadline use
   * `AbortSignal.timeout(requestTimeout)` and, since undici acts on a signal
   * only once the request is written, `abortConnects()` when it fires.
   */
  readonly requestTimeout: number;
  /** True once `close()` or `destroy()` was called. */
  readonly closed: boolean;
  /** Lets in-flight requests finish, then closes every socket. Idempotent. */
  close(): Promise<void>;
  /** Aborts in-flight requests (they fail with `error`, or UND_ERR_DESTROYED) and closes every socket. Idempotent. */
  destroy(error?: Error): Promise<void>;
  /**
   * Fails every connect in progress (TCP, TLS, proxy tunnel or SOCKS
   * handshake) with `error`, and with it the requests waiting for that
   * connection: undici offers no way to take back a request before it is
   * written. Open connections and their requests are untouched; the next
   * request connects afresh. Returns true if a connect was in progress.
   * For a deadline that covers connecting (a session's request timeout).
   */
  abortConnects(error: Error): boolean;
  /**
   * Opens the first connection to `url`'s origin now, in this client's own
   * pool for that origin, as its first request would (TCP, TLS with this
   * client's session cache, the SOCKS handshake or the HTTP(S) proxy's
   * tunnel), and sends nothing on it: the first request then finds it open.
   * Resolves true once it is open (through an HTTP(S) proxy, also when it
   * already was); false when nothing was opened: the origin already had its
   * connection, or the client is closed or closes meanwhile. Rejects with the connect
   * error (the first request then connects as usual); bounded by
   * `connectTimeout`, and by `requestTimeout` when shorter. The connection
   * idles at most `keepAliveTimeout`, as any pooled one.
   */
  preconnect(url: string | URL): Promise<boolean>;
}

class SessionHttpClient implements HttpClient {
  readonly dispatcher: Dispatcher;
  readonly cookieJar: CookieJar;
  readonly proxy: ProxyTarget | undefined;
  readonly requestTimeout: number;
  /** destroy, abortConnects, preconnect and cancelPreconnects of what `buildDispatcher` built. */
  readonly #built: BuiltDispatcher;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  constructor(options: HttpClientOptions | undefined) {
    const resolved = resolveOptions(options);
    const built = buildDispatcher(resolved);
    this.dispatcher = built.dispatcher;
    this.#built = built;
    this.cookieJar = resolved.cookieJar ?? new CookieJar();
    this.proxy = resolved.proxy;
    this.requestTimeout = resolved.requestTimeout;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.#destroying !== undefined;
  }

  close(): Promise<void> {
    // After destroy() undici's close() rejects (ClientDestroyedError): the destroy is the close.
    if (this.#destroying !== undefined) return this.#destroying;
    // undici's close() only rejects when the dispatcher was already destroyed
    // (e.g. directly through `dispatcher`): its sockets are gone, as promised.
    // A pre-connect still connecting is no request to wait for: it ends now.
    if (this.#closing === undefined) this.#built.cancelPreconnects();
    this.#closing ??= this.dispatcher.close().then(noop, noop);
    return this.#closing;
  }

  destroy(error?: Error): Promise<void> {
    this.#destroying ??= this.#built.destroy(error);
    return this.#destroying;
  }

  abortConnects(error: Error): boolean {
    return this.#built.abortConnects(error);
  }

  preconnect(url: string | URL): Promise<boolean> {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch (cause) {
      return Promise.reject(new ClientError(`preconnect: not an absolute URL: ${JSON.stringify(url)}`, INVALID_ARGUMENT, { cause }));
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.reject(new ClientError(`preconnect: ${parsed.protocol} is not http: or https:`, INVALID_ARGUMENT));
    }
    if (this.closed) return Promise.resolve(false);
    return this.#built.preconnect(parsed);
  }
}

/**
 * Creates one session's HTTP client: its own undici dispatcher (keep-alive
 * pool, TLS session cache, proxy) and its own cookie jar. Throws
 * `ClientConfigError` (SE_ERR_CLIENT_INVALID_OPTIONS) for an invalid option.
 */
export function createHttpClient(options?: HttpClientOptions): HttpClient {
  return new SessionHttpClient(options);
}
