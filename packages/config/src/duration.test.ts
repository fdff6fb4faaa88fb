import { describe, expect, it } from 'vitest';
import { ConfigValidationError, formatDuration, parseDuration } from './index.js';

describe('parseDuration', () => {
  it('reads a number as nanoseconds, as the seed does', () => {
    expect(parseDuration(30_000_000_000)).toBe(30_000);
    expect(parseDuration(1_500_000)).toBe(1.5);
    expect(parseDuration(0)).toBe(0);
  });

  it.each([
    ['30s', 30_000],
    ['250ms', 250],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['1m30s', 90_000],
    ['1h2m3.5s', 3_723_500],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['1000000ns', 1],
    ['.5s', 500],
    ['1.s', 1_000],
    [' 10s ', 10_000],
    ['0', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', /empty/],
    ['30', /no unit; write "30ms" or "30s"/],
    ['5sec', /unknown unit "sec"/],
    ['-1s', /negative/],
    ['1m 30s', /not a duration/],
    ['s', /not a duration/],
  ])('rejects %j with a message that says how to fix it', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });

  it('rejects numbers that are not whole nanoseconds', () => {
    for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => parseDuration(value)).toThrow(ConfigValidationError);
    }
  });

  it('throws a validation error with the invalid_duration issue code', () => {
    try {
      parseDuration('soon');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).code).toBe('SE_ERR_CONFIG_INVALID');
      expect((error as ConfigValidationError).issues[0]?.code).toBe('invalid_duration');
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.5, '500us'],
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_723_500, '1h2m3.5s'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1_001, 59_999, 61_000, 86_400_000, 2 ** 31 - 1, 0.001]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('rejects negative and non-finite input', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});
