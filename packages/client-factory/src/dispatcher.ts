import { Client, Pool, ProxyAgent, buildConnector, errors, type Dispatcher } from 'undici';
import { OriginRouter } from './origin-router.js';
import { RouteRouter } from './route-router.js';
import type { ResolvedOptions } from './options.js';
import { listenForHandlerErrors } from './handler-errors.js';
import { PendingConnects } from './pending-connects.js';
import { formatHost } from './proxy-target.js';
import { ClientSet, ReusingPool, type OriginPool } from './reusing-pool.js';
import { createSocksConnector } from './socks-connector.js';
import { ConnectsAhead } from './connect-ahead.js';

/** A client's dispatcher and the destroy that reaches everything it created. */
export interface BuiltDispatcher {
  readonly dispatcher: Dispatcher;
  /**
   * Destroys every per-origin Client/Pool, cuts SOCKS/TLS handshakes in
   * progress, then the dispatcher itself. Needed because undici's Agent
   * forgets its pools as soon as close() starts: a destroy() during close()
   * would otherwise abort nothing and the close would wait forever.
   */
  destroy(error: Error | undefined): Promise<void>;
  /**
   * Fails the connects in progress (to targets and to the proxy) with
   * `error`, and so the requests waiting for them; open connections are left
   * alone. True if there was one.
   */
  abortConnects(error: Error): boolean;
  /**
   * Opens the first connection to `url`'s origin now, in the pool that will
   * use it (see `ConnectsAhead`). Resolves false when the origin already has
   * its connections (where that can be told) or the client is closing;
   * rejects with the connect error.
   */
  preconnect(url: URL): Promise<boolean>;
  /** Pre-connects still connecting resolve false and their connects are abandoned (close and destroy both call it). */
  cancelPreconnects(): void;
}

/**
 * TLS sessions cached per client (one per origin). The cache lives in this
 * client's connector only, so a session never resumes another session's TLS
 * state; a client reconnecting to the same origin still resumes its own.
 */
const TLS_SESSIONS_PER_CLIENT = 8;

const noop = (): void => undefined;

/** Every Client/Pool a client's factories created, pruned of destroyed ones as new ones come. */
class Children {
  readonly #set = new Set<Dispatcher>();

  add<T extends Dispatcher>(dispatcher: T): T {
    for (const child of this.#set) if ((child as { destroyed?: boolean }).destroyed) this.#set.delete(child);
    this.#set.add(dispatcher);
    return dispatcher;
  }

  destroy(error: Error | undefined): Promise<unknown> {
    return Promise.all([...this.#set].map((child) => child.destroy(error ?? null)));
  }
}

/**
 * Builds the undici dispatcher of one client. Per origin it creates a `Client`
 * when `connections` is 1 (~7 KiB idle) and a `ReusingPool` of Clients
 * otherwise (one socket while requests are sequential, more only under
 * concurrency), with the same options on every path: direct and via SOCKS
 * (an `OriginRouter` over those), via an HTTP(S) proxy (undici's `ProxyAgent`,
 * tunnel or forward).
 */
export function buildDispatcher(options: ResolvedOptions): BuiltDispatcher {
  const pool = {
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeout,
    // Caps a server's `Keep-Alive: timeout=` hint too, so idle_conn_timeout is a real maximum.
    keepAliveMaxTimeout: options.keepAliveTimeout,
    headersTimeout: options.requestTimeout,
    bodyTimeout: options.requestTimeout,
  };
  const tls = {
    rejectUnauthorized: !options.insecureTls,
    maxCachedSessions: TLS_SESSIONS_PER_CLIENT,
    timeout: options.connectTimeout,
  };
  const proxy = options.proxy;
  if (proxy?.protocol === 'pac') return routedByChoice(options, proxy);
  const connects = new PendingConnects();
  // A request's deadline covers its connect; a pre-connect gets no longer than a request would.
  const deadline = options.requestTimeout > 0 && options.requestTimeout < options.connectTimeout ? options.requestTimeout : 0;
  const ahead = new ConnectsAhead(deadline, (error) => connects.abortAll(error));
  if (proxy === undefined) return direct(pool, tls, options.connectTimeout, connects, ahead);
  if (proxy.protocol === 'socks4' || proxy.protocol === 'socks5') {
    const socks = createSocksConnector(proxy, { timeout: options.connectTimeout, tls: lazyTlsConnector(tls) });
    const { connections, ...clientOptions } = pool;
    const viaSocks = { ...clientOptions, connect: connects.wrap(socks.connect) };
    const router = new OriginRouter((origin) => originPool(origin, viaSocks, connections));
    return routed(router, connects, (error) => socks.abortAll(error), ahead);
  }
  return viaHttpProxy(options, proxy, pool, tls, connects, ahead);
}

interface PoolOptions {
  connections: number;
  keepAliveTimeout: number;
  keepAliveMaxTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
}
type ClientOptions = Omit<PoolOptions, 'connections'> & { connect: buildConnector.connector };

/** A Client whose handler errors are never an unhandled `error` event. */
function newClient(origin: string | URL, options: object): Client {
  return listenForHandlerErrors(new Client(origin, options));
}

/** An undici Pool whose Clients are made by `newClient`. */
function newPool(origin: string | URL, options: object): Pool {
  return new Pool(origin, { ...options, factory: newClient });
}

/** One origin's Client (when one connection is allowed) or ClientSet. */
function originPool(origin: string, options: ClientOptions, connections: number): OriginPool {
  return connections === 1 ? newClient(origin, options) : new ClientSet(origin, options, connections);
}

/**
 * An OriginRouter as a built dispatcher; it keeps its pools through close(),
 * so its destroy() reaches them all.
 */
function routed(router: OriginRouter, connects: PendingConnects, cutHandshakes: (error: Error) => void, ahead: ConnectsAhead): BuiltDispatcher {
  return {
    dispatcher: router,
    async destroy(error) {
      ahead.cancelAll();
      const destroyed = router.destroy(error ?? null);
      cutHandshakes(error ?? new errors.ClientDestroyedError());
      await destroyed;
    },
    abortConnects: (error) => connects.abortAll(error),
    preconnect: (url) => (router.closed || router.has(url.origin) ? Promise.resolve(false) : ahead.start(router, url)),
    cancelPreconnects: () => ahead.cancelAll(),
  };
}

// Plain-http connects carry no per-client state (no TLS session cache), so
// clients with the same connect timeout share one connector.
const plainConnectors = new Map<number, buildConnector.connector>();

function sharedPlainConnector(connectTimeout: number): buildConnector.connector {
  let shared = plainConnectors.get(connectTimeout);
  if (shared === undefined) {
    shared = buildConnector({ timeout: connectTimeout });
    plainConnectors.set(connectTimeout, shared);
  }
  return shared;
}

/** A TLS connector (with this client's own session cache) made on the first https connect. */
function lazyTlsConnector(tls: buildConnector.BuildOptions): buildConnector.connector {
  let connector: buildConnector.connector | undefined;
  return (opts, callback) => (connector ??= buildConnector(tls))(opts, callback);
}

/**
 * Direct connections. http origins use a shared plain connector; the first
 * https origin gets this client's own TLS connector and session cache, so an
 * http-only session carries no connector of its own.
 */
function direct(
  pool: PoolOptions,
  tls: buildConnector.BuildOptions,
  connectTimeout: number,
  connects: PendingConnects,
  ahead: ConnectsAhead,
): BuiltDispatcher {
  const { connections, ...clientOptions } = pool;
  let plain: ClientOptions | undefined;
  let secure: ClientOptions | undefined;
  const router = new OriginRouter((origin) => {
    const options = origin.startsWith('https:')
      ? (secure ??= { ...clientOptions, connect: connects.wrap(buildConnector(tls)) })
      : (plain ??= { ...clientOptions, connect: connects.wrap(sharedPlainConnector(connectTimeout)) });
    return originPool(origin, options, connections);
  });
  return routed(router, connects, noop, ahead);
}

/** `opts` with its connect function (ProxyAgent's tunnel, or a connector to the proxy) tracked by `connects`. */
function trackConnect(opts: object, connects: PendingConnects): object {
  const connect = (opts as { connect?: unknown }).connect;
  return typeof connect === 'function' ? { ...opts, connect: connects.wrap(connect as buildConnector.connector) } : opts;
}

/** HTTP(S) proxies: undici's ProxyAgent, with our per-origin factories. */
function viaHttpProxy(
  options: ResolvedOptions,
  proxy: NonNullable<ResolvedOptions['proxy']>,
  pool: PoolOptions,
  tls: buildConnector.BuildOptions,
  connects: PendingConnects,
  ahead: ConnectsAhead,
): BuiltDispatcher {
  // Called once per origin by ProxyAgent with its own options (its forwarding
  // wrapper passes only `{ connect }`), hence the merge with `pool`.
  const children = new Children();
  const factory = (origin: string | URL, opts: object): Dispatcher => {
    const merged = { ...pool, ...trackConnect(opts, connects) };
    return children.add(options.connections === 1 ? newClient(origin, merged) : new ReusingPool(origin, merged));
  };
  // ProxyAgent's forwarding mode calls undici internals on what the factory
  // returns, so it needs undici's own Pool there.
  const undiciFactory = (origin: string | URL, opts: object): Dispatcher => {
    const merged = { ...pool, ...trackConnect(opts, connects) };
    return children.add(options.connections === 1 ? newClient(origin, merged) : newPool(origin, merged));
  };
  // Credentials go in a header we build (decoded user:pass, Basic), never in
  // the URI, so a username without a password works too.
  const token =
    proxy.username === undefined
      ? undefined
      : `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
  const dispatcher = new ProxyAgent({
    ...pool,
    uri: `${proxy.protocol}://${formatHost(proxy.host)}:${proxy.port}`,
    ...(token === undefined ? {} : { token }),
    proxyTunnel: options.proxyTunnel,
    factory: options.proxyTunnel ? factory : undiciFactory,
    // The CONNECT requests to the proxy: one socket at a time is enough for one sticky connection.
    clientFactory: (origin: URL, opts: object) => {
      const tracked = trackConnect(opts, connects);
      return children.add(options.connections === 1 ? newClient(origin, tracked) : newPool(origin, tracked));
    },
    proxyTls: tls,
    requestTls: tls,
  });
  return {
    dispatcher,
    async destroy(error) {
      ahead.cancelAll();
      // Children first so that they fail their requests with `error`
      // (ProxyAgent drops it and would use UND_ERR_DESTROYED).
      const destroyed = children.destroy(error);
      await Promise.all([destroyed, dispatcher.destroy(error ?? null)]);
    },
    abortConnects: (error) => connects.abortAll(error),
    // ProxyAgent does not tell whether an origin is connected: a second pre-connect finds it so and opens nothing.
    preconnect: (url) => ahead.start(dispatcher, url),
    cancelPreconnects: () => ahead.cancelAll(),
  };
}

/**
 * A PAC file or the environment picks the proxy per target origin: a
 * RouteRouter over dispatchers built as for a fixed proxy (or direct).
 */
function routedByChoice(options: ResolvedOptions, proxy: NonNullable<ResolvedOptions['proxy']>): BuiltDispatcher {
  const router = proxy.router;
  if (router === undefined) throw new Error(`${proxy.display}: a pac proxy needs a router`);
  const dispatcher = new RouteRouter(
    (url) => router.route(url),
    (chosen) => buildDispatcher({ ...options, proxy: chosen }),
    proxy.display,
  );
  return {
    dispatcher,
    destroy: (error) => dispatcher.destroy(error ?? null),
    abortConnects: (error) => dispatcher.built().reduce((aborted, built) => built.abortConnects(error) || aborted, false),
    preconnect: (url) => dispatcher.preconnect(url),
    cancelPreconnects: () => {
      for (const built of dispatcher.built()) built.cancelPreconnects();
    },
  };
}
