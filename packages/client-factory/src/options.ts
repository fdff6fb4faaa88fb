import type { CookieJar } from 'tough-cookie';
import { ClientConfigError } from './errors.js';
import { resolveProxy, type ProxyInput, type ProxyTarget } from './proxy-target.js';

/** Options of `createHttpClient`. Durations are milliseconds. Defaults mirror the engine config. */
export interface HttpClientOptions {
  /** Proxy for every request of this client; omitted = direct connections. */
  proxy?: ProxyInput | undefined;
  /** Max sockets per origin (config `max_conns_per_host`). 1 = one sticky keep-alive socket. Default 200. */
  connections?: number | undefined;
  /** How long an idle keep-alive socket is kept (config `idle_conn_timeout`). Default 90 000. */
  keepAliveTimeout?: number | undefined;
  /** Limit for TCP connect + TLS handshake, and the SOCKS handshake (config `tls_handshake_timeout`). Default 10 000. */
  connectTimeout?: number | undefined;
  /** Headers timeout and body (idle) timeout (config `request_timeout`); 0 disables both. Default 30 000. */
  requestTimeout?: number | undefined;
  /** Accept any server certificate (config `insecure_tls`). Default false. */
  insecureTls?: boolean | undefined;
  /**
   * HTTP proxies only, plain-http targets only: `true` (default, as undici)
   * tunnels with CONNECT; `false` forwards requests with absolute URIs.
   * https targets are always tunnelled.
   */
  proxyTunnel?: boolean | undefined;
  /**
   * The cookie jar to use; default a new, empty one. Pass a session's jar to
   * move it to a client through another proxy without losing its cookies.
   */
  cookieJar?: CookieJar | undefined;
}

export interface ResolvedOptions {
  readonly proxy: ProxyTarget | undefined;
  readonly connections: number;
  readonly keepAliveTimeout: number;
  readonly connectTimeout: number;
  readonly requestTimeout: number;
  readonly insecureTls: boolean;
  readonly proxyTunnel: boolean;
  readonly cookieJar: CookieJar | undefined;
}

export const DEFAULTS = Object.freeze({
  connections: 200,
  keepAliveTimeout: 90_000,
  connectTimeout: 10_000,
  requestTimeout: 30_000,
  insecureTls: false,
  proxyTunnel: true,
});

// setTimeout's ceiling: larger values fire at once, silently.
const MAX_TIMER = 2_147_483_647;

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER) {
    throw new ClientConfigError(name, `must be an integer from ${min} to ${MAX_TIMER}, got ${String(value)}`);
  }
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ClientConfigError(name, `must be a boolean, got ${typeof value}`);
  return value;
}

function cookieJar(value: unknown): CookieJar | undefined {
  if (value === undefined) return undefined;
  // Duck-typed: a jar from another copy of tough-cookie is as good.
  const jar = value as Partial<CookieJar> | null;
  if (typeof jar?.getCookiesSync !== 'function' || typeof jar.setCookieSync !== 'function') {
    throw new ClientConfigError('cookieJar', 'must be a tough-cookie CookieJar');
  }
  return value as CookieJar;
}

/** Validates options up front (like undici's interceptors) so a bad value fails at creation, named. */
export function resolveOptions(options: HttpClientOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ClientConfigError('options', 'must be an object');
  }
  return {
    proxy: resolveProxy(options.proxy ?? undefined),
    connections: integer('connections', options.connections, DEFAULTS.connections, 1),
    keepAliveTimeout: integer('keepAliveTimeout', options.keepAliveTimeout, DEFAULTS.keepAliveTimeout, 1),
    connectTimeout: integer('connectTimeout', options.connectTimeout, DEFAULTS.connectTimeout, 1),
    requestTimeout: integer('requestTimeout', options.requestTimeout, DEFAULTS.requestTimeout, 0),
    insecureTls: boolean('insecureTls', options.insecureTls, DEFAULTS.insecureTls),
    proxyTunnel: boolean('proxyTunnel', options.proxyTunnel, DEFAULTS.proxyTunnel),
    cookieJar: cookieJar(options.cookieJar),
  };
}
