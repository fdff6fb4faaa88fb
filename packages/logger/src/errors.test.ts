import { describe, expect, it } from 'vitest';
import { LoggerError } from './index.js';

describe('LoggerError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new LoggerError('boom', 'SE_ERR_LOGGER_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('LoggerError');
    expect(error.code).toBe('SE_ERR_LOGGER_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new LoggerError('boom').code).toBe('SE_ERR_LOGGER');
  });
});
