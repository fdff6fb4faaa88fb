import { describe, expect, it } from 'vitest';
import { flagDuration, flagThreads, parseHeaders } from './run-engine.js';

describe('flag durations', () => {
  it('accepts units, and a bare number as seconds', () => {
    expect(flagDuration('30s', 'duration')).toBe('30s');
    expect(flagDuration('1m30s', 'duration')).toBe('1m30s');
    expect(flagDuration('10', 'duration')).toBe('10s');
    expect(flagDuration('0.5', 'timeout')).toBe('0.5s');
    expect(flagDuration(undefined, 'duration')).toBeUndefined();
  });

  it('rejects anything else, naming the flag and the expected form', () => {
    expect(() => flagDuration('soon', 'duration')).toThrowError(/--duration "soon" is not a duration; use a number with a unit, e\.g\. 30s/);
  });
});

describe('-H headers', () => {
  it('parses "Name: value" into lower-case names', () => {
    expect(parseHeaders(['X-Tenant: blue', 'authorization:Bearer a:b'])).toEqual({ 'x-tenant': 'blue', authorization: 'Bearer a:b' });
    expect(parseHeaders(undefined)).toEqual({});
  });

  it('rejects a header without a name or colon', () => {
    expect(() => parseHeaders(['novalue'])).toThrowError(/--header "novalue" is not a header; write it as "Name: value"/);
    expect(() => parseHeaders([': x'])).toThrowError(/not a header/);
    expect(() => parseHeaders(['bad name: x'])).toThrowError(/not a header/);
  });
});

describe('--threads', () => {
  it('takes a whole number >= 1 or auto', () => {
    expect(flagThreads('4')).toBe(4);
    expect(flagThreads(' AUTO ')).toBe('auto');
    expect(flagThreads(undefined)).toBeUndefined();
  });

  it('rejects anything else, saying what it takes', () => {
    for (const value of ['0', '-1', '1.5', 'many', '']) {
      expect(() => flagThreads(value)).toThrowError(/--threads ".*" is not a thread count; give a whole number >= 1 or auto/);
    }
  });
});
