/**
 * Proxies chosen per target URL: a PAC file (`pac+file:///...`,
 * `pac+http(s)://...` lines in a proxy list) or the `HTTP_PROXY` /
 * `HTTPS_PROXY` / `NO_PROXY` environment convention. The evaluation comes
 * from proxy-agent's own building blocks (proxy-agent itself is an
 * `http.Agent`, which an undici dispatcher cannot use): `pac-resolver` runs
 * the PAC script in a QuickJS sandbox, `proxy-from-env` reads the
 * environment. What they choose is parsed like a proxy list line, so
 * client-factory's connectors (HTTP CONNECT, SOCKS) carry the traffic.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createPacResolver } from 'pac-resolver';
import { QuickJS } from 'quickjs-wasi';
import { ProxyRouteError } from './errors.js';
import { parseProxyLine } from './parse-proxy-url.js';
import { inspect } from 'node:util';
import { ParsedProxyEntry, type ProxyEntry } from './proxy-entry.js';

// proxy-from-env ships no types: its one function, as its README documents it (required, so no ambient module is needed).
const { getProxyForUrl } = createRequire(import.meta.url)('proxy-from-env') as {
  /** The proxy URL for `url` from HTTP_PROXY / HTTPS_PROXY / ALL_PROXY (either case), or '' (none, or NO_PROXY matches). */
  getProxyForUrl(url: string): string;
};

/** Where a route comes from: a PAC file's location, or the environment. */
export type RouteSource = { kind: 'pac'; location: string } | { kind: 'env' };

const PAC_FETCH_TIMEOUT_MS = 10_000;

/**
 * Resolves target URLs to a proxy entry (`undefined` = connect directly).
 * A PAC file is loaded and compiled once, on first use (a failed load is
 * tried again on the next call); the first usable
 * entry of its answer (`PROXY`, `HTTPS`, `SOCKS`, `SOCKS4`, `SOCKS5`,
 * `DIRECT`) is taken.
 */
export class ProxyRouter {
  readonly #source: RouteSource;
  readonly #display: string;
  #find: Promise<(url: string) => Promise<string>> | undefined;

  constructor(source: RouteSource, display: string) {
    this.#source = source;
    this.#display = display;
  }

  async route(targetUrl: string): Promise<ProxyEntry | undefined> {
    if (this.#source.kind === 'env') {
      const chosen = getProxyForUrl(targetUrl);
      return chosen === '' ? undefined : this.#entry(chosen, `environment (${schemeOf(targetUrl)}_proxy)`);
    }
    // A failed load is not kept: the next target URL tries again (a PAC server may be back).
    this.#find ??= loadPac(this.#source.location, this.#display).catch((error: unknown) => {
      this.#find = undefined;
      throw error;
    });
    const find = await this.#find;
    let answer: string;
    try {
      answer = await find(targetUrl);
    } catch (cause) {
      throw new ProxyRouteError(`${this.#display}: FindProxyForURL threw for ${new URL(targetUrl).origin}: ${messageOf(cause)}`, { cause });
    }
    return this.#fromPac(answer, targetUrl);
  }

  #fromPac(answer: string, targetUrl: string): ProxyEntry | undefined {
    const parts = String(answer ?? '').split(';').map((part) => part.trim()).filter((part) => part !== '');
    for (const part of parts) {
      const [word = '', hostPort = ''] = part.split(/\s+/);
      const type = word.toUpperCase();
      if (type === 'DIRECT') return undefined;
      const scheme = PAC_SCHEMES[type];
      if (scheme !== undefined && hostPort !== '') return this.#entry(`${scheme}://${hostPort}`, `${this.#display} for ${new URL(targetUrl).host}`);
    }
    // An empty answer means DIRECT (as browsers read it).
    if (parts.length === 0) return undefined;
    throw new ProxyRouteError(`${this.#display}: FindProxyForURL answered ${JSON.stringify(answer)} for ${new URL(targetUrl).origin}; expected "PROXY host:port", "SOCKS5 host:port" or "DIRECT"`);
  }

  #entry(url: string, source: string): ProxyEntry {
    const parsed = parseProxyLine(url);
    if (!parsed.ok) throw new ProxyRouteError(`${source}: ${parsed.reason}`);
    return new ParsedProxyEntry(parsed.parts, source, 0);
  }
}

// PAC answer words and the proxy schemes they mean (SOCKS alone is SOCKS4 in the PAC convention, but
// every client in use today speaks SOCKS5 to it, as curl does with socks://).
const PAC_SCHEMES: Readonly<Record<string, string>> = {
  PROXY: 'http',
  HTTP: 'http',
  HTTPS: 'https',
  SOCKS: 'socks5',
  SOCKS5: 'socks5',
  SOCKS4: 'socks4',
};

function schemeOf(url: string): string {
  return url.startsWith('https:') ? 'https' : 'http';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function loadPac(location: string, display: string): Promise<(url: string) => Promise<string>> {
  let script: string;
  try {
    if (location.startsWith('file:')) {
      script = await readFile(fileURLToPath(location), 'utf8');
    } else {
      // fetch() refuses credentials in a URL (and would echo them): they go in a header.
      const url = new URL(location);
      const headers: Record<string, string> = {};
      if (url.username !== '' || url.password !== '') {
        headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
        url.username = '';
        url.password = '';
      }
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(PAC_FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      script = await response.text();
    }
  } catch (cause) {
    throw new ProxyRouteError(`${display}: the PAC file could not be loaded: ${messageOf(cause)}`, { cause });
  }
  try {
    const vm = await QuickJS.create();
    const find = createPacResolver(vm, script, { filename: display });
    return (url) => find(url);
  } catch (cause) {
    throw new ProxyRouteError(`${display}: the PAC file does not compile: ${messageOf(cause)}`, { cause });
  }
}

/**
 * A list entry whose proxy depends on the target URL: a PAC file line, or
 * the environment. `protocol` is `pac`, `router` chooses per target; the
 * rotation, circuit breaker and report treat it as one proxy.
 */
export class RouteEntry implements ProxyEntry {
  readonly protocol = 'pac' as const;
  readonly host = '';
  readonly port = 0;
  readonly url: string;
  readonly display: string;
  readonly source: string;
  readonly line: number;
  readonly weight: number;
  readonly router: ProxyRouter;

  constructor(url: string, display: string, source: string, line: number, weight: number, routeSource: RouteSource) {
    this.url = url;
    this.display = display;
    this.source = source;
    this.line = line;
    this.weight = weight;
    this.router = new ProxyRouter(routeSource, display);
  }

  toString(): string {
    return this.display;
  }

  toJSON(): Record<string, unknown> {
    return { display: this.display, protocol: this.protocol, source: this.source, line: this.line, weight: this.weight };
  }

  [inspect.custom](): string {
    return `ProxyEntry <${this.display}> (${this.source}:${this.line})`;
  }
}

/**
 * Parses a `pac+file:///abs/path.pac`, `pac+http://...` or `pac+https://...`
 * line; a reason (never echoing credentials) when it is not one.
 */
export function parsePacLine(text: string, source: string, line: number, weight: number): RouteEntry | { reason: string } {
  const location = text.slice(4);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return { reason: 'not a PAC file URL; write pac+file:///absolute/path/proxy.pac or pac+http://host/proxy.pac' };
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' || !url.pathname.startsWith('/')) return { reason: 'a PAC file path must be absolute; write pac+file:///absolute/path/proxy.pac' };
  } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: `unsupported PAC location "${url.protocol}"; use pac+file:///..., pac+http://... or pac+https://...` };
  }
  const masked = url.username !== '' || url.password !== '' ? `pac+${url.protocol}//***:***@${url.host}${url.pathname}${url.search}` : `pac+${url.href}`;
  return new RouteEntry(`pac+${url.href}`, masked, source, line, weight, { kind: 'pac', location: url.href });
}

/**
 * The standard environment convention as one list entry (config
 * `proxy_from_env`): `HTTPS_PROXY` for https targets, `HTTP_PROXY` for http
 * ones, `ALL_PROXY` for both (lower-case names too), none for hosts in
 * `NO_PROXY`; read from `process.env` per target URL by proxy-from-env.
 */
export function proxyFromEnvironment(): ProxyEntry {
  return new RouteEntry('env:', 'HTTP_PROXY/HTTPS_PROXY/NO_PROXY (environment)', 'environment', 0, 1, { kind: 'env' });
}
