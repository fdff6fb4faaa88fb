import { describe, expect, it } from 'vitest';
import { ProxyError } from './index.js';

describe('ProxyError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new ProxyError('boom', 'SE_ERR_PROXY_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProxyError');
    expect(error.code).toBe('SE_ERR_PROXY_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new ProxyError('boom').code).toBe('SE_ERR_PROXY');
  });
});
