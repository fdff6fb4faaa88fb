import { describe, expect, it } from 'vitest';
import { closestKey } from './suggest.js';

const keys = ['number_of_sessions', 'request_timeout', 'max_idle_conns', 'max_idle_conns_per_host', 'max_conns_per_host'];

describe('closestKey', () => {
  it('finds a key one edit away', () => {
    expect(closestKey('number_of_session', keys)).toBe('number_of_sessions');
    expect(closestKey('request_timeuot', keys)).toBe('request_timeout');
  });

  it('maps Go field names and camelCase to the snake_case key', () => {
    expect(closestKey('NumberOfSessions', keys)).toBe('number_of_sessions');
    expect(closestKey('maxIdleConnsPerHost', keys)).toBe('max_idle_conns_per_host');
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestKey('colour', keys)).toBeUndefined();
    expect(closestKey('x', ['y'])).toBe('y');
    expect(closestKey('xyz', ['abc'])).toBeUndefined();
  });
});
