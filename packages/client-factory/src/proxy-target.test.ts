import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ClientConfigError } from './errors.js';
import { resolveProxy, type ProxyTarget } from './proxy-target.js';

describe('resolveProxy', () => {
  it('is undefined for a direct client', () => {
    expect(resolveProxy(undefined)).toBeUndefined();
  });

  it('parses a URL with decoded credentials and a masked display', () => {
    const proxy = resolveProxy('socks5://us%20er:p%40ss@proxy.example:1081');
    expect(proxy).toMatchObject({
      protocol: 'socks5',
      host: 'proxy.example',
      port: 1081,
      username: 'us er',
      password: 'p@ss',
      display: 'socks5://***:***@proxy.example:1081',
      url: 'socks5://us%20er:p%40ss@proxy.example:1081',
    });
  });

  it('never shows the credentials when logged or serialised', () => {
    const proxy = resolveProxy('http://user:secret@127.0.0.1:8080') as ProxyTarget;
    expect(JSON.stringify(proxy)).not.toContain('secret');
    expect(inspect(proxy, { showHidden: true })).not.toContain('secret');
    expect(String(proxy)).toBe('http://***:***@127.0.0.1:8080');
    expect({ ...proxy }).not.toHaveProperty('password');
  });

  it.each(['http://h', 'https://h', 'socks4://h', 'socks5://h'])('requires an explicit port in %s, as a proxy list line does', (url) => {
    expect(() => resolveProxy(url)).toThrow(expect.objectContaining({ code: 'SE_ERR_CLIENT_INVALID_OPTIONS', option: 'proxy', message: expect.stringMatching(/port/) }));
  });

  it('unbrackets IPv6 hosts', () => {
    expect(resolveProxy('http://[::1]:3128')).toMatchObject({ host: '::1', display: 'http://[::1]:3128' });
  });

  it('parses a { url } object (the session layer passes { url, display })', () => {
    expect(resolveProxy({ url: 'socks4://alice@10.0.0.1:1080', display: 'x' })).toMatchObject({
      protocol: 'socks4',
      username: 'alice',
      password: undefined,
    });
  });

  it('returns a complete ProxyTarget (a ProxyEntry) as the same object', () => {
    const entry: ProxyTarget = { url: 'http://h:1', protocol: 'http', host: 'h', port: 1, display: 'http://h:1' };
    expect(resolveProxy(entry)).toBe(entry);
  });

  it.each([
    ['proxy', 'ftp://h:21'],
    ['proxy', 'h:8080'],
    ['proxy', 'http://bad host:1'],
    ['proxy.protocol', { url: 'x', protocol: 'gopher', host: 'h', port: 1, display: '' }],
    ['proxy.port', { url: 'x', protocol: 'http', host: 'h', port: 0, display: '' }],
    ['proxy.host', { url: 'x', protocol: 'http', host: '', port: 1, display: '' }],
    ['proxy.url', { url: 42 }],
  ])('names %s when the proxy is invalid', (option, input) => {
    expect(() => resolveProxy(input as never)).toThrow(ClientConfigError);
    expect(() => resolveProxy(input as never)).toThrow(expect.objectContaining({ option }));
  });

  it('does not echo credentials of an invalid proxy in the error', () => {
    for (const text of ['ftp://user:secret@h:21', 'http://user:secret@', 'user:secret@h:1']) {
      let message = '';
      try {
        resolveProxy(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^proxy/);
      expect(message).not.toContain('secret');
    }
  });
});
