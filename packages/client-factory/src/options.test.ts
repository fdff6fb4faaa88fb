import { describe, expect, it } from 'vitest';
import { ClientConfigError, ClientError, createHttpClient, DEFAULTS } from './index.js';
import { resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('applies the engine defaults', () => {
    expect(resolveOptions()).toEqual({ proxy: undefined, ...DEFAULTS });
    expect(DEFAULTS).toEqual({
      connections: 200,
      keepAliveTimeout: 90_000,
      connectTimeout: 10_000,
      requestTimeout: 30_000,
      insecureTls: false,
      proxyTunnel: true,
    });
  });

  it('keeps given values; requestTimeout 0 disables the timeouts', () => {
    const resolved = resolveOptions({
      connections: 1,
      keepAliveTimeout: 5,
      connectTimeout: 6,
      requestTimeout: 0,
      insecureTls: true,
      proxyTunnel: false,
    });
    expect(resolved).toMatchObject({
      connections: 1,
      keepAliveTimeout: 5,
      connectTimeout: 6,
      requestTimeout: 0,
      insecureTls: true,
      proxyTunnel: false,
    });
  });

  it.each([
    ['connections', { connections: 0 }],
    ['connections', { connections: 1.5 }],
    ['keepAliveTimeout', { keepAliveTimeout: 0 }],
    ['connectTimeout', { connectTimeout: -1 }],
    ['requestTimeout', { requestTimeout: Number.NaN }],
    ['requestTimeout', { requestTimeout: 2 ** 31 }],
    ['insecureTls', { insecureTls: 'yes' as unknown as boolean }],
    ['proxyTunnel', { proxyTunnel: 1 as unknown as boolean }],
    ['proxy', { proxy: 'ftp://127.0.0.1:21' }],
    ['proxy', { proxy: 'not a url' }],
  ])('rejects a bad %s with SE_ERR_CLIENT_INVALID_OPTIONS', (option, options) => {
    let caught: unknown;
    try {
      createHttpClient(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClientConfigError);
    expect(caught).toBeInstanceOf(ClientError);
    expect(caught).toMatchObject({ code: 'SE_ERR_CLIENT_INVALID_OPTIONS', option, name: 'ClientConfigError' });
    expect((caught as Error).message.startsWith(`${option}: `)).toBe(true);
  });
});

describe('cookieJar option', () => {
  it('uses the jar given (a session moving to another proxy keeps its cookies), else a new one', async () => {
    const { CookieJar } = await import('tough-cookie');
    const jar = new CookieJar();
    jar.setCookieSync('sid=abc', 'http://example.test/');
    const first = createHttpClient({ cookieJar: jar });
    const second = createHttpClient({ cookieJar: jar, proxy: 'http://127.0.0.1:3128' });
    expect(second.cookieJar).toBe(jar);
    expect(second.cookieJar.getCookieStringSync('http://example.test/')).toBe('sid=abc');
    expect(createHttpClient().cookieJar).not.toBe(jar);
    await Promise.all([first.destroy(), second.destroy()]);
  });

  it('rejects something that is not a cookie jar', () => {
    expect(() => resolveOptions({ cookieJar: {} as never })).toThrow(expect.objectContaining({ code: 'SE_ERR_CLIENT_INVALID_OPTIONS', option: 'cookieJar' }));
  });
});
