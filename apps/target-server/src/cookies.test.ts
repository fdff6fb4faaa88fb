import { describe, expect, it } from 'vitest';
import { parseCookieHeader, readCookie, sessionCookieLine } from './cookies.js';

describe('parseCookieHeader', () => {
  it('parses name=value pairs, trimming spaces and decoding values', () => {
    expect(parseCookieHeader('a=1;  b=two%20words ;c="quoted"')).toEqual({ a: '1', b: 'two words', c: 'quoted' });
  });

  it('keeps the first of repeated names and skips parts without "="', () => {
    expect(parseCookieHeader('a=1; junk; a=2; =x')).toEqual({ a: '1' });
  });

  it('keeps a value whose percent escape is invalid as it is', () => {
    expect(parseCookieHeader('a=100%')).toEqual({ a: '100%' });
  });

  it('returns an empty object without a header', () => {
    expect(parseCookieHeader(undefined)).toEqual({});
  });
});

describe('readCookie', () => {
  it('finds a cookie anywhere in the header', () => {
    expect(readCookie('sid=abc', 'sid')).toBe('abc');
    expect(readCookie('a=1; sid=abc; b=2', 'sid')).toBe('abc');
    expect(readCookie('a=1;sid=abc', 'sid')).toBe('abc');
  });

  it('does not match a name that merely ends or starts with the wanted one', () => {
    expect(readCookie('xsid=1; sidx=2', 'sid')).toBeUndefined();
    expect(readCookie('xsid=1; sid=3', 'sid')).toBe('3');
  });

  it('treats an empty value or a missing header as absent', () => {
    expect(readCookie('sid=; a=1', 'sid')).toBeUndefined();
    expect(readCookie(undefined, 'sid')).toBeUndefined();
  });

  it('agrees with parseCookieHeader on the first occurrence', () => {
    expect(readCookie('sid=first; sid=second', 'sid')).toBe(parseCookieHeader('sid=first; sid=second').sid);
  });
});

describe('sessionCookieLine', () => {
  it('marks the cookie HttpOnly, Path=/ and SameSite=Lax', () => {
    expect(sessionCookieLine('abc')).toBe('sid=abc; Path=/; HttpOnly; SameSite=Lax');
  });
});
