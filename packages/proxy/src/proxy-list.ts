import { readFile } from 'node:fs/promises';
import { ProxyFileError, ProxyListError, type ProxyLineIssue } from './errors.js';
import { parseProxyLine } from './parse-proxy-url.js';
import { ParsedProxyEntry, type ProxyEntry } from './proxy-entry.js';
import { parsePacLine } from './proxy-routes.js';

/**
 * Parses a newline-delimited proxy list. Blank lines and lines starting with
 * `#` are skipped; so is a trailing comment that follows whitespace
 * (`http://h:1 # office`): a URL never contains whitespace and a `#` inside
 * one would start a fragment, so this cannot cut a valid URL. Every bad line
 * is collected, then thrown at once as a `ProxyListError`.
 */
export function parseProxyList(text: string, source = '<inline>'): ProxyEntry[] {
  const entries: ProxyEntry[] = [];
  const issues: ProxyLineIssue[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const content = stripComment(lines[i] ?? '');
    if (content === '') continue;
    // The URL ends at the first whitespace (a URL has none); options may follow it.
    const space = content.search(/\s/);
    const url = space < 0 ? content : content.slice(0, space);
    const options = space < 0 ? { ok: true as const, weight: 1 } : parseOptions(content.slice(space).trim());
    if (!options.ok) {
      issues.push({ source, line: i + 1, reason: options.reason });
      continue;
    }
    if (/^pac\+/i.test(url)) {
      const pac = parsePacLine(url, source, i + 1, options.weight);
      if ('reason' in pac) issues.push({ source, line: i + 1, reason: pac.reason });
      else entries.push(pac);
      continue;
    }
    const result = parseProxyLine(url);
    if (!result.ok) issues.push({ source, line: i + 1, reason: result.reason });
    else entries.push(new ParsedProxyEntry(result.parts, source, i + 1, options.weight));
  }
  if (issues.length > 0) throw new ProxyListError(issues);
  return entries;
}

/**
 * Reads and parses a proxy file (UTF-8). A missing or unreadable file throws
 * `ProxyFileError` (`SE_ERR_PROXY_FILE`); bad lines throw `ProxyListError`
 * whose locations use `path` as given.
 */
export async function loadProxyFile(path: string): Promise<ProxyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ProxyFileError(path, error);
  }
  return parseProxyList(text, path);
}

/** Largest weight: a share of 1000:1 is already more than any list needs. */
export const MAX_PROXY_WEIGHT = 1000;
const WEIGHT = /^weight=(\d+)$/i;

type OptionsResult = { ok: true; weight: number } | { ok: false; reason: string };

/**
 * The options after a proxy URL: `weight=<n>` only. Text that is not an
 * option is never echoed: it may be the rest of a password with a raw space.
 */
function parseOptions(text: string): OptionsResult {
  let weight: number | undefined;
  for (const token of text.split(/\s+/)) {
    const match = WEIGHT.exec(token);
    if (match === null) {
      return {
        ok: false,
        reason: `unexpected text after the proxy URL; only "weight=<n>" may follow it (e.g. http://10.0.0.1:8080 weight=3); percent-encode a space in credentials as %20`,
      };
    }
    if (weight !== undefined) return { ok: false, reason: 'weight given twice; keep one weight=<n>' };
    const value = Number(match[1]);
    if (!(value >= 1 && value <= MAX_PROXY_WEIGHT)) {
      return {
        ok: false,
        reason: `bad weight ${match[1]}; use a whole number from 1 to ${MAX_PROXY_WEIGHT} (to stop using a proxy, remove its line or comment it out)`,
      };
    }
    weight = value;
  }
  return { ok: true, weight: weight ?? 1 };
}

function stripComment(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('#')) return '';
  const comment = trimmed.search(/\s#/);
  return comment < 0 ? trimmed : trimmed.slice(0, comment).trimEnd();
}
