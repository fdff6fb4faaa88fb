import { parseProxyUrl, ProxyListError } from '@session-engine/proxy';
import { ClientConfigError } from './errors.js';

export type ProxyProtocol = 'http' | 'https' | 'socks4' | 'socks5';

/**
 * A proxy as this package needs it. `ProxyEntry` from `@session-engine/proxy`
 * is one; a URL string is parsed into one by that package's `parseProxyUrl`.
 * `username`/`password` are decoded; `display` masks them.
 */
export interface ProxyTarget {
  readonly url: string;
  /** `pac`: `router` picks the proxy per target URL (a PAC file, the environment); host and port are unused. */
  readonly protocol: ProxyProtocol | 'pac';
  readonly host: string;
  readonly port: number;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly display: string;
  /** Only for `pac`: the proxy for a target URL, `undefined` = direct (`@session-engine/proxy`'s RouteEntry has one). */
  readonly router?: { route(targetUrl: string): Promise<ProxyTarget | undefined> } | undefined;
}

/** What `createHttpClient({ proxy })` accepts: a proxy URL, a `ProxyEntry`-like object or `{ url }`. */
export type ProxyInput = string | ProxyTarget | { readonly url: string; readonly display?: string };

function isProtocol(value: unknown): value is ProxyProtocol {
  return value === 'http' || value === 'https' || value === 'socks4' || value === 'socks5';
}

/** `[::1]` for IPv6 hosts, as URLs and `Host` headers need. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A proxy URL string, parsed by `@session-engine/proxy` (the same rules and
 * credential masking as a proxy list line), reported as an option error.
 */
function parseProxyText(text: string, option: string): ProxyTarget {
  try {
    return parseProxyUrl(text, option);
  } catch (cause) {
    // The proxy package's reason never echoes credentials.
    const reason = cause instanceof ProxyListError ? (cause.errors[0]?.reason ?? cause.message) : 'is not a valid proxy URL';
    throw new ClientConfigError(option, reason, { cause });
  }
}

/**
 * Turns the `proxy` option into a `ProxyTarget`. A complete `ProxyTarget`
 * (e.g. a `ProxyEntry`) is returned as the same object, so callers keep its
 * identity (for `ProxyManager.reportFailure`); a string or `{ url }` is parsed.
 */
export function resolveProxy(input: ProxyInput | undefined, option = 'proxy'): ProxyTarget | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return parseProxyText(input, option);
  if (typeof input !== 'object' || input === null) {
    throw new ClientConfigError(option, 'must be a proxy URL string or an object with a url');
  }
  if ('protocol' in input && input.protocol === 'pac') {
    if (typeof (input as ProxyTarget).router?.route !== 'function') {
      throw new ClientConfigError(`${option}.router`, 'a pac proxy needs a router with route(url) (a RouteEntry of @session-engine/proxy)');
    }
    return input as ProxyTarget;
  }
  if ('protocol' in input && 'host' in input && 'port' in input) {
    if (!isProtocol(input.protocol)) {
      throw new ClientConfigError(
        `${option}.protocol`,
        `unsupported proxy scheme "${String(input.protocol)}" (use http, https, socks4 or socks5)`,
      );
    }
    if (typeof input.host !== 'string' || input.host === '') {
      throw new ClientConfigError(`${option}.host`, 'must be a non-empty string');
    }
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65_535) {
      throw new ClientConfigError(`${option}.port`, 'must be an integer from 1 to 65535');
    }
    return input;
  }
  if (typeof input.url !== 'string') throw new ClientConfigError(`${option}.url`, 'must be a string');
  return parseProxyText(input.url, `${option}.url`);
}
