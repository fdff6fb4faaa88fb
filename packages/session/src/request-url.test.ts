import { describe, expect, it } from 'vitest';
import { defaultCookiePath, resolveTarget } from './request-url.js';

describe('cookie scope', () => {
  it('is the RFC 6265 default-path: the directory of the path', () => {
    expect(defaultCookiePath('/')).toBe('/');
    expect(defaultCookiePath('/login')).toBe('/');
    expect(defaultCookiePath('/a/login')).toBe('/a');
    expect(defaultCookiePath('/a/b/')).toBe('/a/b');
  });

  it('joins origin and default path, ignoring the query', () => {
    expect(resolveTarget('https://example.com:8443/shop/cart?x=/y/z', undefined, undefined)?.cookieScope).toBe(
      'https://example.com:8443/shop',
    );
  });
});
