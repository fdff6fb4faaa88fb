import { describe, expect, it } from 'vitest';
import { ClientError } from './index.js';

describe('ClientError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new ClientError('boom', 'SE_ERR_CLIENT_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ClientError');
    expect(error.code).toBe('SE_ERR_CLIENT_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new ClientError('boom').code).toBe('SE_ERR_CLIENT');
  });
});

describe('subclasses', () => {
  it('carry their codes, names and context', async () => {
    const { ClientConfigError, ProxyAuthError, ProxyConnectError } = await import('./index.js');
    const config = new ClientConfigError('proxy.protocol', 'bad');
    expect(config).toMatchObject({ code: 'SE_ERR_CLIENT_INVALID_OPTIONS', name: 'ClientConfigError', option: 'proxy.protocol' });
    expect(config.message).toBe('proxy.protocol: bad');
    const auth = new ProxyAuthError('socks5://***:***@h:1', 'rejected');
    expect(auth).toMatchObject({ code: 'SE_ERR_PROXY_AUTH', name: 'ProxyAuthError', proxy: 'socks5://***:***@h:1' });
    const connect = new ProxyConnectError('socks4://h:1', 'down');
    expect(connect).toMatchObject({ code: 'SE_ERR_PROXY_CONNECT', name: 'ProxyConnectError' });
    for (const error of [config, auth, connect]) expect(error).toBeInstanceOf(ClientError);
  });
});
