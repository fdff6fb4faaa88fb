import { describe, expect, it } from 'vitest';
import { InvalidLevelError, InvalidOptionError, LoggerError } from './index.js';

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

describe('error subclasses', () => {
  it('InvalidLevelError is a LoggerError with SE_ERR_LOGGER_INVALID_LEVEL', () => {
    const error = new InvalidLevelError(Symbol('x'));
    expect(error).toBeInstanceOf(LoggerError);
    expect(error.name).toBe('InvalidLevelError');
    expect(error.code).toBe('SE_ERR_LOGGER_INVALID_LEVEL');
    expect(error.message).toContain('Symbol(x)');
    expect(new InvalidLevelError('loud').message).toContain('"loud"');
    expect(new InvalidLevelError({}).message).toContain('object');
  });

  it('InvalidOptionError is a LoggerError with SE_ERR_LOGGER_INVALID_OPTIONS and the option name', () => {
    const error = new InvalidOptionError('destination', 'a stream');
    expect(error).toBeInstanceOf(LoggerError);
    expect(error.name).toBe('InvalidOptionError');
    expect(error.code).toBe('SE_ERR_LOGGER_INVALID_OPTIONS');
    expect(error.option).toBe('destination');
  });
});
