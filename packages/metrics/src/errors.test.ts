import { describe, expect, it } from 'vitest';
import { EmptyMergeError, MetricsArgumentError, MetricsError, SnapshotFormatError } from './index.js';

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

describe('error subclasses', () => {
  it.each([
    [new MetricsArgumentError('bad'), 'MetricsArgumentError', 'SE_ERR_METRICS_INVALID_ARGUMENT'],
    [new SnapshotFormatError('bad'), 'SnapshotFormatError', 'SE_ERR_METRICS_INVALID_SNAPSHOT'],
    [new EmptyMergeError(), 'EmptyMergeError', 'SE_ERR_METRICS_NO_SNAPSHOTS'],
  ])('%s has its own name and stable code', (error, name, code) => {
    expect(error).toBeInstanceOf(MetricsError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });
});
