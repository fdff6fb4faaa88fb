import { describe, expect, it } from 'vitest';
import { redactUrl } from './index.js';

describe('redactUrl', () => {
  it.each([
    ['http://user:pass@proxy.example:8080', 'http://***:***@proxy.example:8080'],
    ['https://user:pass@proxy.example/path?q=1#f', 'https://***:***@proxy.example/path?q=1#f'],
    ['https://u:p@ss@host', 'https://***:***@host'],
    ['socks5://u:p@10.0.0.1:1080', 'socks5://***:***@10.0.0.1:1080'],
    ['socks4://token@10.0.0.1:1080', 'socks4://***@10.0.0.1:1080'],
    ['HTTP://User:Pass@Host', 'HTTP://***:***@Host'],
    ['http://user:p@ss:w@rd@host:1', 'http://***:***@host:1'],
    ['http://u:%40x@host', 'http://***:***@host'],
    ['via http://a:b@one and socks5://c:d@two.', 'via http://***:***@one and socks5://***:***@two.'],
    ['"http://a:b@h"', '"http://***:***@h"'],
  ])('masks %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it.each([
    'http://proxy.example:8080',
    'http://host/a@b',
    'http://127.0.0.1:8080/a@b',
    'http://host?mail=a@b.c',
    'http://host#a@b',
    'http://@host',
    'mailto:someone@example.test',
    'someone@example.test',
    'user:pass@host:8080',
    'plain text',
    '',
  ])('leaves %s as it is', (input) => {
    expect(redactUrl(input)).toBe(input);
  });

  it('gives the same results on repeated calls (the global regex keeps no position)', () => {
    const text = 'http://a:b@h1 http://c:d@h2';
    expect(redactUrl(text)).toBe(redactUrl(text));
    expect(redactUrl(text)).toBe('http://***:***@h1 http://***:***@h2');
  });
});
