import { describe, expect, it } from 'vitest';
import { MetricsError } from './index.js';

describe('MetricsError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new MetricsError('boom', 'SE_ERR_METRICS_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MetricsError');
    expect(error.code).toBe('SE_ERR_METRICS_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new MetricsError('boom').code).toBe('SE_ERR_METRICS');
  });
});
