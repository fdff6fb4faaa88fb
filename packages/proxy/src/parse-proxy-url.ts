import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { ProxyListError } from './errors.js';
import { ParsedProxyEntry, type ProxyEntry, type ProxyParts, type ProxyProtocol } from './proxy-entry.js';

// `socks://` means SOCKS5 as in curl and socks-proxy-agent. The `h`/`a`
// variants (resolve names on the proxy) map to their base protocol: the
// client hands host names to the proxy for every SOCKS entry anyway.
const SCHEMES: Readonly<Record<string, ProxyProtocol>> = {
  http: 'http',
  https: 'https',
  socks4: 'socks4',
  socks4a: 'socks4',
  socks5: 'socks5',
  socks5h: 'socks5',
  socks: 'socks5',
};

const SCHEME_LIST = 'http://, https://, socks4:// or socks5://';
const SHAPE = 'scheme://[user:password@]host:port';
const SCHEME_SYNTAX = /^[a-z][a-z0-9+.-]*$/i;
const LABEL = /^[a-z0-9_-]+$/i;
const SOCKS5_MAX_CREDENTIAL_BYTES = 255;

export type LineResult = { ok: true; parts: ProxyParts } | { ok: false; reason: string };

/**
 * Parses one proxy URL (already trimmed, comment removed). A reason is
 * "<what is wrong>; <how to fix it>". It echoes only the scheme, a numeric
 * port or IPv4 address, and a host known to follow the credentials, never
 * text that could be a credential.
 */
export function parseProxyLine(text: string): LineResult {
  if (/\s/.test(text)) {
    return fail('unexpected whitespace inside the proxy URL; write one proxy per line and percent-encode spaces in credentials as %20');
  }
  const sep = text.indexOf('://');
  if (sep < 0) return missingScheme(text);
  const rawScheme = text.slice(0, sep);
  if (!SCHEME_SYNTAX.test(rawScheme)) {
    return fail(`malformed scheme; start the line with ${SCHEME_LIST}`);
  }
  const protocol = SCHEMES[rawScheme.toLowerCase()];
  if (protocol === undefined) {
    return fail(`unsupported scheme "${rawScheme}"; use ${SCHEME_LIST}`);
  }
  return parseAuthority(protocol, text.slice(sep + 3));
}

/**
 * Parses a single proxy URL into an entry. Throws `ProxyListError`
 * (`SE_ERR_PROXY_BAD_LINE`) with the reason when it is not valid.
 */
export function parseProxyUrl(text: string, source = '<inline>', line = 1): ProxyEntry {
  const result = parseProxyLine(text.trim());
  if (!result.ok) throw new ProxyListError([{ source, line, reason: result.reason }]);
  return new ParsedProxyEntry(result.parts, source, line);
}

function parseAuthority(protocol: ProxyProtocol, rest: string): LineResult {
  // The last '@' ends the credentials, so a raw '@', '/' or '#' in a password still parses.
  const at = rest.lastIndexOf('@');
  let hostPort = at < 0 ? rest : rest.slice(at + 1);
  if (hostPort.endsWith('/')) hostPort = hostPort.slice(0, -1);
  if (/[/?#]/.test(hostPort)) {
    return fail(`path, query or fragment not allowed; write only ${SHAPE}`);
  }

  let username: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const creds = parseCredentials(protocol, rest.slice(0, at));
    if (!creds.ok) return creds;
    ({ username, password } = creds);
  }

  const address = parseHostPort(protocol, hostPort);
  if (!address.ok) return address;
  return { ok: true, parts: { protocol, host: address.host, port: address.port, username, password } };
}

type CredentialsResult = { ok: true; username: string; password: string | undefined } | { ok: false; reason: string };

function parseCredentials(protocol: ProxyProtocol, raw: string): CredentialsResult {
  if (raw === '') return fail(`empty credentials before "@"; remove the "@" or write ${SHAPE}`);
  const colon = raw.indexOf(':');
  const rawUser = colon < 0 ? raw : raw.slice(0, colon);
  const rawPass = colon < 0 ? undefined : raw.slice(colon + 1);
  if (rawUser === '') return fail(`empty username; write ${SHAPE}`);
  const username = decode(rawUser);
  const password = rawPass === undefined ? undefined : decode(rawPass);
  if (username === undefined || (rawPass !== undefined && password === undefined)) {
    return fail('credentials contain a "%" that is not a percent-escape; write a literal "%" as %25');
  }
  if (protocol === 'socks4' && password !== undefined) {
    return fail('SOCKS4 has a user id but no password; write socks4://user@host:port or use socks5://');
  }
  if (
    protocol === 'socks5' &&
    (Buffer.byteLength(username) > SOCKS5_MAX_CREDENTIAL_BYTES ||
      Buffer.byteLength(password ?? '') > SOCKS5_MAX_CREDENTIAL_BYTES)
  ) {
    return fail(`SOCKS5 username and password are limited to ${SOCKS5_MAX_CREDENTIAL_BYTES} bytes each; shorten them`);
  }
  return { ok: true, username, password };
}

type HostPortResult = { ok: true; host: string; port: number } | { ok: false; reason: string };

function parseHostPort(protocol: ProxyProtocol, text: string): HostPortResult {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return fail(`unclosed "[" around an IPv6 host; write ${protocol}://[::1]:3128`);
    host = text.slice(1, close).toLowerCase();
    if (!isIPv6(host)) return fail(`the host in brackets is not an IPv6 address; write ${protocol}://[::1]:3128`);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) {
      return fail(`unexpected text after "]"; write ${protocol}://[${host}]:3128`);
    }
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return tooManyColons(protocol, text, parts);
    host = (parts[0] ?? '').toLowerCase();
    portText = parts[1];
    if (host === '') return fail(`missing host; write ${SHAPE}`);
    const checked = checkHost(host);
    if (!checked.ok) return checked;
    host = checked.host;
  }
  if (portText === undefined || portText === '') {
    const example = protocol.startsWith('socks') ? 1080 : 8080;
    return fail(`missing port; proxies have no default port, write it explicitly, e.g. ${protocol}://host:${example}`);
  }
  // Only a numeric port is echoed: other text here may be a password written without its "@".
  if (!/^\d+$/.test(portText)) return fail('bad port (not a number); use a number from 1 to 65535');
  const port = Number(portText);
  if (!(port >= 1 && port <= 65535)) {
    return fail(`bad port "${portText}"; use a number from 1 to 65535`);
  }
  return { ok: true, host, port };
}

function checkHost(raw: string): { ok: true; host: string } | { ok: false; reason: string } {
  // Internationalised names become punycode; '' means the name is invalid.
  const host = /[^\x20-\x7e]/.test(raw) ? domainToASCII(raw) : raw;
  if (host === '') return fail(`bad host name; write ${SHAPE}`);
  if (/^[\d.]+$/.test(host)) {
    return isIPv4(host) ? { ok: true, host } : fail(`bad IPv4 address "${host}"; write four numbers 0-255, e.g. 10.0.0.1`);
  }
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  if (!labels.every((label) => LABEL.test(label))) {
    return fail('bad host name; use letters, digits, "-", "_" and "." only');
  }
  return { ok: true, host };
}

function tooManyColons(protocol: ProxyProtocol, text: string, parts: string[]): HostPortResult {
  return sellerFormat(protocol, text, parts) ?? fail(`an IPv6 host needs brackets; write ${protocol}://[::1]:3128`);
}

// The "host:port:user:pass" format proxy sellers hand out: name the fix, without echoing the secrets.
function sellerFormat(protocol: ProxyProtocol, text: string, parts: string[]): { ok: false; reason: string } | undefined {
  if (parts.length !== 4 || !/^\d+$/.test(parts[1] ?? '') || text.includes('@') || isIPv6(text)) return undefined;
  return fail(`"host:port:user:pass" is not a URL; write ${protocol}://user:password@${parts[0]}:${parts[1]}`);
}

function missingScheme(text: string): LineResult {
  const asHttp = parseAuthority('http', text);
  if (asHttp.ok) {
    const suggestion = new ParsedProxyEntry(asHttp.parts, '', 0).display;
    return fail(`missing scheme; write ${suggestion} (or https://, socks4://, socks5://)`);
  }
  const seller = sellerFormat('http', text, text.split(':'));
  if (seller) return fail(`missing scheme and ${seller.reason}`);
  return fail(`missing scheme; start the line with ${SCHEME_LIST}, e.g. http://10.0.0.1:8080`);
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
