import { describe, expect, it } from 'vitest';
import { SchedulerError } from './index.js';

describe('SchedulerError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new SchedulerError('boom', 'SE_ERR_SCHEDULER_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SchedulerError');
    expect(error.code).toBe('SE_ERR_SCHEDULER_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new SchedulerError('boom').code).toBe('SE_ERR_SCHEDULER');
  });
});
