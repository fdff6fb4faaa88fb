import { describe, expect, it } from 'vitest';
import { ConfigError } from './index.js';

describe('ConfigError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new ConfigError('boom', 'SE_ERR_CONFIG_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('SE_ERR_CONFIG_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new ConfigError('boom').code).toBe('SE_ERR_CONFIG');
  });
});
