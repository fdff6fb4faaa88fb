import { inspect } from 'node:util';
import { ClientConfigError } from './errors.js';

export type ProxyProtocol = 'http' | 'https' | 'socks4' | 'socks5';

/**
 * A proxy as this package needs it. `ProxyEntry` from `@session-engine/proxy`
 * fits as is (structurally); so does the object `resolveProxy` builds from a
 * URL string. `username`/`password` are decoded; `display` masks them.
 */
export interface ProxyTarget {
  readonly url: string;
  readonly protocol: ProxyProtocol;
  readonly host: string;
  readonly port: number;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly display: string;
}

/** What `createHttpClient({ proxy })` accepts: a proxy URL, a `ProxyEntry`-like object or `{ url }`. */
export type ProxyInput = string | ProxyTarget | { readonly url: string; readonly display?: string };

const DEFAULT_PORTS: Readonly<Record<ProxyProtocol, number>> = { http: 80, https: 443, socks4: 1080, socks5: 1080 };

function isProtocol(value: unknown): value is ProxyProtocol {
  return value === 'http' || value === 'https' || value === 'socks4' || value === 'socks5';
}

/**
 * A proxy parsed from a URL string. Credentials live in private fields behind
 * getters so that logging, spreading or `JSON.stringify` of the object never
 * leaks them (the same policy as `@session-engine/proxy`).
 */
class ParsedProxy implements ProxyTarget {
  readonly protocol: ProxyProtocol;
  readonly host: string;
  readonly port: number;
  readonly display: string;
  readonly #url: string;
  readonly #username: string | undefined;
  readonly #password: string | undefined;

  constructor(protocol: ProxyProtocol, host: string, port: number, username?: string, password?: string) {
    this.protocol = protocol;
    this.host = host;
    this.port = port;
    this.#username = username;
    this.#password = password;
    const hostPort = `${formatHost(host)}:${port}`;
    const enc = encodeURIComponent;
    const auth = (u: string | undefined, p: string | undefined, f: (s: string) => string): string =>
      u === undefined ? '' : p === undefined ? `${f(u)}@` : `${f(u)}:${f(p)}@`;
    this.#url = `${protocol}://${auth(username, password, enc)}${hostPort}`;
    this.display = `${protocol}://${auth(username, password, () => '***')}${hostPort}`;
  }

  get url(): string {
    return this.#url;
  }

  get username(): string | undefined {
    return this.#username;
  }

  get password(): string | undefined {
    return this.#password;
  }

  toString(): string {
    return this.display;
  }

  toJSON(): Record<string, unknown> {
    return { display: this.display, protocol: this.protocol, host: this.host, port: this.port };
  }

  [inspect.custom](): string {
    return `ProxyTarget <${this.display}>`;
  }
}

/** `[::1]` for IPv6 hosts, as URLs and `Host` headers need. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parseProxyUrl(text: string, option: string): ProxyTarget {
  const invalid = 'is not a valid proxy URL (expected scheme://[user:pass@]host:port)';
  // Without "://", "host:8080" would parse as scheme "host": say what is wrong instead.
  if (!text.includes('://')) throw new ClientConfigError(option, invalid);
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    // Never echo the text: it may hold credentials.
    throw new ClientConfigError(option, invalid, { cause });
  }
  const protocol = url.protocol.slice(0, -1);
  if (!isProtocol(protocol)) {
    throw new ClientConfigError(
      `${option}.protocol`,
      `unsupported proxy scheme "${protocol}" (use http, https, socks4 or socks5)`,
    );
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new ClientConfigError(`${option}.host`, 'is empty');
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port);
  const username = url.username === '' ? undefined : safeDecode(url.username);
  const password = url.password === '' ? undefined : safeDecode(url.password);
  return new ParsedProxy(protocol, host, port, username, password);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Turns the `proxy` option into a `ProxyTarget`. A complete `ProxyTarget`
 * (e.g. a `ProxyEntry`) is returned as the same object, so callers keep its
 * identity (for `ProxyManager.reportFailure`); a string or `{ url }` is parsed.
 */
export function resolveProxy(input: ProxyInput | undefined, option = 'proxy'): ProxyTarget | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return parseProxyUrl(input, option);
  if (typeof input !== 'object' || input === null) {
    throw new ClientConfigError(option, 'must be a proxy URL string or an object with a url');
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
  return parseProxyUrl(input.url, `${option}.url`);
}
