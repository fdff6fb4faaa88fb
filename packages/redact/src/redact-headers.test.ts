import { describe, expect, it } from 'vitest';
import { REDACTED, redactHeaders } from './index.js';

describe('redactHeaders', () => {
  it('replaces secret values, keeps the rest and the names as spelled', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer t0ken',
        'x-api-key': 'SECRET123',
        'X-Auth-Token': 'abc',
        'set-cookie': ['a=1', 'b=2'],
        accept: 'text/html',
        'x-trace': ['1', '2'],
      }),
    ).toEqual({
      Authorization: REDACTED,
      'x-api-key': REDACTED,
      'X-Auth-Token': REDACTED,
      'set-cookie': REDACTED,
      accept: 'text/html',
      'x-trace': ['1', '2'],
    });
  });

  it('returns a new object and never modifies its argument', () => {
    const headers = { cookie: 'sid=1', accept: '*/*' };
    const copy = redactHeaders(headers);
    expect(copy).not.toBe(headers);
    expect(headers).toEqual({ cookie: 'sid=1', accept: '*/*' });
    expect(redactHeaders({})).toEqual({});
  });

  it('keeps a "__proto__" name an own property', () => {
    const headers = JSON.parse('{"__proto__": "x", "cookie": "c"}') as Record<string, string>;
    const copy = redactHeaders(headers);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toBe('x');
    expect(copy['cookie']).toBe(REDACTED);
  });

  it('is typed by its input: string headers stay string headers', () => {
    const copy: Record<string, string> = redactHeaders({ a: 'b' });
    const multi: Record<string, string | readonly string[]> = redactHeaders<string | readonly string[]>({ a: ['b'] });
    expect([copy, multi]).toEqual([{ a: 'b' }, { a: ['b'] }]);
  });
});
