import { describe, expect, it } from 'vitest';
import { SessionError } from './index.js';

describe('SessionError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new SessionError('boom', 'SE_ERR_SESSION_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SessionError');
    expect(error.code).toBe('SE_ERR_SESSION_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new SessionError('boom').code).toBe('SE_ERR_SESSION');
  });
});
