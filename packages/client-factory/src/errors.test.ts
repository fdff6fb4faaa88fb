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
