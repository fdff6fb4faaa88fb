import { readFile } from 'node:fs/promises';
import { ProxyFileError, ProxyListError, type ProxyLineIssue } from './errors.js';
import { parseProxyLine } from './parse-proxy-url.js';
import { ParsedProxyEntry, type ProxyEntry } from './proxy-entry.js';

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
    const result = parseProxyLine(content);
    if (result.ok) entries.push(new ParsedProxyEntry(result.parts, source, i + 1));
    else issues.push({ source, line: i + 1, reason: result.reason });
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

function stripComment(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('#')) return '';
  const comment = trimmed.search(/\s#/);
  return comment < 0 ? trimmed : trimmed.slice(0, comment).trimEnd();
}
