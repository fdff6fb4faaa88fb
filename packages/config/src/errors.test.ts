import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigFileError, ConfigParseError, ConfigValidationError } from './index.js';

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

describe('subclasses', () => {
  it('have their own names and codes and extend ConfigError', () => {
    const validation = new ConfigValidationError([{ path: 'a', code: 'invalid_type', message: 'bad' }]);
    const parse = new ConfigParseError('unexpected "}"; expected a value', { file: 'c.json', line: 2, column: 3, expected: 'a value' });
    const file = new ConfigFileError('config file not found: x', 'x');
    expect([validation, parse, file].every((error) => error instanceof ConfigError)).toBe(true);
    expect([validation.name, validation.code]).toEqual(['ConfigValidationError', 'SE_ERR_CONFIG_INVALID']);
    expect([parse.name, parse.code, parse.message]).toEqual(['ConfigParseError', 'SE_ERR_CONFIG_PARSE', 'c.json:2:3: invalid JSON: unexpected "}"; expected a value']);
    expect([file.name, file.code, file.path]).toEqual(['ConfigFileError', 'SE_ERR_CONFIG_FILE', 'x']);
  });

  it('formats each issue with its location', () => {
    const error = new ConfigValidationError([
      { path: 'a', code: 'x', message: 'one', file: 'c.json', line: 2, column: 3 },
      { path: 'b', code: 'x', message: 'two', env: 'SESSION_ENGINE_B' },
      { path: '', code: 'x', message: 'three' },
    ]);
    expect(error.message).toBe(
      'invalid configuration (3 problems):\n  - c.json:2:3 a: one\n  - $SESSION_ENGINE_B b: two\n  - (root): three',
    );
    expect(Object.isFrozen(error.issues)).toBe(true);
  });
});
