import { describe, expect, it } from 'vitest';
import { WorkerPoolError } from './index.js';

describe('WorkerPoolError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new WorkerPoolError('boom', 'SE_ERR_POOL_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WorkerPoolError');
    expect(error.code).toBe('SE_ERR_POOL_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new WorkerPoolError('boom').code).toBe('SE_ERR_POOL');
  });
});
