import { inspect } from 'node:util';

export type ProxyProtocol = 'http' | 'https' | 'socks4' | 'socks5';

/** What chooses the proxy per target URL for a `pac` entry (see proxy-routes.ts). */
export interface ProxyRouteChooser {
  route(targetUrl: string): Promise<ProxyEntry | undefined>;
}

/**
 * One proxy from a list. `url` carries the credentials (percent-encoded, ready
 * for undici's `ProxyAgent`); `display` masks them and is what logs and errors
 * show. `host` is bare (an IPv6 address has no brackets), ready for
 * `net.connect` or the `socks` package.
 */
export interface ProxyEntry {
  readonly url: string;
  /** `pac`: a PAC file or the environment chooses the proxy per target URL (`router`); host and port are empty. */
  readonly protocol: ProxyProtocol | 'pac';
  readonly host: string;
  readonly port: number;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly display: string;
  readonly source: string;
  readonly line: number;
  /** Share of sessions in the weighted rotation (`weight=<n>` on its line); default 1. */
  readonly weight: number;
  /** Only on `pac` entries: the proxy for a target URL (`undefined` = direct). */
  readonly router?: ProxyRouteChooser;
}

export interface ProxyParts {
  protocol: ProxyProtocol;
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
}

/**
 * The entries this package hands out. The secrets (`url`, `username`,
 * `password`) live in private fields behind prototype getters, so neither
 * `JSON.stringify`, `util.inspect` (even with `showHidden`), object spread nor
 * a structured logger can leak them: only code that asks for them by name
 * gets them.
 */
export class ParsedProxyEntry implements ProxyEntry {
  readonly protocol: ProxyProtocol;
  readonly host: string;
  readonly port: number;
  readonly display: string;
  readonly source: string;
  readonly line: number;
  readonly weight: number;
  readonly #url: string;
  readonly #username: string | undefined;
  readonly #password: string | undefined;

  constructor(parts: ProxyParts, source: string, line: number, weight = 1) {
    this.protocol = parts.protocol;
    this.host = parts.host;
    this.port = parts.port;
    this.source = source;
    this.line = line;
    this.weight = weight;
    this.#username = parts.username;
    this.#password = parts.password;
    const hostPort = `${parts.host.includes(':') ? `[${parts.host}]` : parts.host}:${parts.port}`;
    this.#url = `${parts.protocol}://${userInfo(parts.username, parts.password, encodeURIComponent)}${hostPort}`;
    this.display = `${parts.protocol}://${userInfo(parts.username, parts.password, mask)}${hostPort}`;
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
    return {
      display: this.display,
      protocol: this.protocol,
      host: this.host,
      port: this.port,
      source: this.source,
      line: this.line,
      weight: this.weight,
    };
  }

  [inspect.custom](): string {
    return `ProxyEntry <${this.display}> (${this.source}:${this.line})`;
  }
}

function mask(): string {
  return '***';
}

// Both parts are masked: some providers put the API key in the username.
function userInfo(username: string | undefined, password: string | undefined, encode: (s: string) => string): string {
  if (username === undefined) return '';
  return password === undefined ? `${encode(username)}@` : `${encode(username)}:${encode(password)}@`;
}
