import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyFileError, ProxyListError, loadProxyFile, parseProxyList } from './index.js';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseProxyList', () => {
  it('trims, skips blank lines and # comments, and keeps line numbers', () => {
    const text = [
      '# HTTP proxies', //               1
      '  http://10.0.0.1:8080  ', //     2
      '', //                             3
      '   ', //                          4
      '\t# indented comment', //         5
      'socks5://10.0.1.1:1080 # office', // 6
      'https://h:443\t# tab comment', // 7
    ].join('\n');
    const entries = parseProxyList(text, 'proxies.txt');
    expect(entries.map((e) => [e.url, e.line, e.source])).toEqual([
      ['http://10.0.0.1:8080', 2, 'proxies.txt'],
      ['socks5://10.0.1.1:1080', 6, 'proxies.txt'],
      ['https://h:443', 7, 'proxies.txt'],
    ]);
  });

  it('handles CRLF line endings and a byte-order mark', () => {
    const entries = parseProxyList('\uFEFFhttp://a:1\r\n\r\nhttp://b:2\r\n');
    expect(entries.map((e) => [e.host, e.line])).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
  });

  it('keeps duplicate lines (a way to weight a proxy)', () => {
    expect(parseProxyList('http://a:1\nhttp://a:1')).toHaveLength(2);
  });

  it('returns an empty list for empty or comment-only text', () => {
    expect(parseProxyList('')).toEqual([]);
    expect(parseProxyList('# nothing yet\n\n')).toEqual([]);
  });

  it('does not treat a "#" without whitespace before it as a comment', () => {
    const error = catchError(() => parseProxyList('http://h:1#frag', 'p.txt')) as ProxyListError;
    expect(error.errors[0]?.reason).toContain('fragment not allowed');
  });

  it('reports every bad line at once with source and line', () => {
    const text = ['http://ok:1', 'ftp://h:21', '# fine', '1.2.3.4:8080', 'http://ok:2', 'http://h:99999'].join('\n');
    const error = catchError(() => parseProxyList(text, 'proxies.txt'));
    expect(error).toBeInstanceOf(ProxyListError);
    const listError = error as ProxyListError;
    expect(listError.code).toBe('SE_ERR_PROXY_BAD_LINE');
    expect(listError.errors.map((e) => [e.source, e.line])).toEqual([
      ['proxies.txt', 2],
      ['proxies.txt', 4],
      ['proxies.txt', 6],
    ]);
    expect(listError.message.split('\n')).toEqual([
      'proxies.txt:2: unsupported scheme "ftp"; use http://, https://, socks4:// or socks5://',
      'proxies.txt:4: missing scheme; write http://1.2.3.4:8080 (or https://, socks4://, socks5://)',
      'proxies.txt:6: bad port "99999"; use a number from 1 to 65535',
    ]);
  });

  it('caps the message at 20 lines but keeps every error', () => {
    const text = Array.from({ length: 25 }, () => 'ftp://h:1').join('\n');
    const error = catchError(() => parseProxyList(text)) as ProxyListError;
    expect(error.errors).toHaveLength(25);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('... and 5 more bad lines');
  });

  it('keeps credentials out of the error and its JSON', () => {
    const error = catchError(() => parseProxyList('http://alice:s3cr3t@h:1\nhttp://alice:s3cr3t@h', 'p.txt'));
    const text = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify((error as ProxyListError).errors)}`;
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('alice');
  });
});

describe('loadProxyFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'se-proxy-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and uses its path as the source', async () => {
    const path = join(dir, 'proxies.txt');
    await writeFile(path, '# list\nhttp://10.0.0.1:8080\nsocks5://u:p@10.0.1.1:1080\n');
    const entries = await loadProxyFile(path);
    expect(entries.map((e) => [e.display, e.source, e.line])).toEqual([
      ['http://10.0.0.1:8080', path, 2],
      ['socks5://***:***@10.0.1.1:1080', path, 3],
    ]);
  });

  it('reports bad lines as <path>:<line>', async () => {
    const path = join(dir, 'proxies.txt');
    await writeFile(path, 'http://ok:1\nhttp://bad\n');
    await expect(loadProxyFile(path)).rejects.toThrow(`${path}:2: missing port`);
  });

  it('throws ProxyFileError with the path and the OS reason for a missing file', async () => {
    const path = join(dir, 'missing.txt');
    const error = await loadProxyFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxyFileError);
    expect(error).toMatchObject({ code: 'SE_ERR_PROXY_FILE', path, osCode: 'ENOENT' });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('no such file or directory');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('throws ProxyFileError for a directory', async () => {
    const path = join(dir, 'a-dir');
    await mkdir(path);
    await expect(loadProxyFile(path)).rejects.toMatchObject({ code: 'SE_ERR_PROXY_FILE', osCode: 'EISDIR' });
  });
});
