import { describe, expect, it } from 'vitest';
import { isSecretHeader } from './index.js';

describe('isSecretHeader', () => {
  it.each([
    'authorization',
    'Authorization',
    'PROXY-AUTHORIZATION',
    'proxy-authorization',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
    'sEt-CoOkIe',
  ])('is true for the credential header %s', (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  it.each([
    'x-api-key',
    'X-API-Key',
    'apikey',
    'x-apikey',
    'api_key',
    'API_KEY',
    'x-auth-token',
    'X-Auth-Token',
    'x-csrf-token',
    'token',
    'access_token',
    'refreshToken',
    'client_secret',
    'X-Client-Secret',
    'secret',
    'password',
    'DB_PASSWORD',
    'proxyPassword',
  ])('is true for %s, which names a secret', (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  it.each([
    '',
    'a',
    'url',
    'host',
    'tok',
    'toke',
    'accept',
    'status',
    'session',
    'headers',
    'user-agent',
    'content-type',
    'Content-Type',
    'x-request-id',
    'cookies',
    'x-cookie',
    'cookie_count',
    'authorizationType',
    'authorization-type',
    'api-kez',
    'passwd',
  ])('is false for %s', (name) => {
    expect(isSecretHeader(name)).toBe(false);
  });

  it('keeps no state between calls (a global regex would alternate)', () => {
    expect([1, 2, 3].map(() => isSecretHeader('X-Auth-Token'))).toEqual([true, true, true]);
  });
});
