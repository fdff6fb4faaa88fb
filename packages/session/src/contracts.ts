/**
 * The shapes this package needs from its collaborators, written structurally
 * so the session layer depends on behaviour, not on concrete classes: a test
 * can inject a hand-made client or proxy source, and any `EngineConfig`,
 * `ProxyManager` or `Logger` fits as is.
 */
import type { CookieJar } from 'tough-cookie';
import type { Dispatcher } from 'undici';

/** A proxy as handed out by `ProxyManager.next()`; only `display` (credentials masked) is read here. */
export interface SessionProxy {
  readonly url: string;
  readonly display: string;
}

/** What happened to a proxy (`ProxyManager.subscribe` fits): `open` and `removed` make its sessions move. */
export interface SessionProxyEvent<P extends SessionProxy = SessionProxy> {
  readonly type: 'open' | 'closed' | 'removed';
  readonly entry: P;
}

/**
 * Where sessions get their proxy from, round-robin (`ProxyManager` fits). `undefined` = direct.
 * With `nextHealthy` and `subscribe`, a `SessionManager` moves sessions off a proxy whose
 * circuit opens or that a reload removed (failover); without them, sessions keep their proxy.
 */
export interface ProxySource<P extends SessionProxy = SessionProxy> {
  next(): P | undefined;
  /**
   * The next proxy that may be used now, or `undefined` when every one is down (never a dead one);
   * with `except`, never that one (`undefined` when no other is usable).
   */
  nextHealthy?(except?: P): P | undefined;
  /** Told when a session could not connect through `proxy` (`ProxyManager` opens its circuit after N in a row). */
  reportFailure?(proxy: P): void;
  /** Told when a request through `proxy` got a response. */
  reportSuccess?(proxy: P): void;
  /** Whether a session may keep using `proxy` (listed, circuit not open); assumed true without it. */
  isUsable?(proxy: P): boolean;
  /** Told when a session moved away from `proxy`. */
  reportFailover?(proxy: P): void;
  /** Proxy events, synchronously; returns the unsubscribe function. */
  subscribe?(listener: (event: SessionProxyEvent<P>) => void): () => void;
}

/** What a session needs from its HTTP client (`@session-engine/client-factory`'s `HttpClient` fits). */
export interface SessionClient {
  readonly dispatcher: Dispatcher;
  readonly cookieJar: CookieJar;
  close(): Promise<void>;
  destroy(error?: Error): Promise<void>;
  /**
   * Fails the connects in progress with `error` (and the requests waiting for
   * them); true if there was one. Called when a request's deadline passes
   * before it has a connection, so `request_timeout` bounds connecting too.
   * Without it, such a request still settles at its deadline, but its connect
   * runs on until the connect timeout and a graceful close waits for it.
   */
  abortConnects?(error: Error): boolean;
  /**
   * Opens the first connection to `url`'s origin ahead of the first request,
   * in the pool that request uses; true once it is open, false if nothing was
   * opened; rejects with the connect error.
   */
  preconnect?(url: URL): Promise<boolean>;
}

/** Options the manager passes to the client factory for each session. */
export interface CreateClientOptions<P extends SessionProxy = SessionProxy> {
  proxy?: P;
  connections: number;
  keepAliveTimeout: number;
  connectTimeout: number;
  requestTimeout: number;
  insecureTls: boolean;
  /** The session's jar, when a session moves to another proxy: the new client must keep it. */
  cookieJar?: CookieJar;
}

export type CreateClient<P extends SessionProxy = SessionProxy> = (
  options: CreateClientOptions<P>,
) => SessionClient | Promise<SessionClient>;

/** The config fields sessions use (snake_case, ms), a subset of `EngineConfig`. */
export interface SessionConfig {
  readonly target_url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly request_timeout: number;
  readonly max_conns_per_host: number;
  readonly idle_conn_timeout: number;
  readonly tls_handshake_timeout: number;
  readonly insecure_tls: boolean;
  /** Redirects followed within one request (an integer >= 0; 0 = a redirect is the response). Default 10. */
  readonly max_redirects?: number;
}

/** The logger calls used here (`@session-engine/logger`'s `Logger` fits). */
export interface SessionLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info?(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}
