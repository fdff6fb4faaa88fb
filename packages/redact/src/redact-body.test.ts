import { describe, expect, it } from 'vitest';
import { REDACTED, redactBody } from './index.js';

describe('redactBody', () => {
  it.each([
    ['a form', 'user=a&password=hunter2'],
    ['any text', 'hello'],
    ['a JSON value', { user: 'a', password: 'hunter2' }],
    ['an array', []],
    ['a number', 0],
    ['a boolean', false],
    ['bytes', new TextEncoder().encode('password=hunter2')],
    ['an ArrayBuffer', new ArrayBuffer(4)],
  ])('replaces %s', (_what, body) => {
    expect(redactBody(body)).toBe(REDACTED);
  });

  it.each([
    ['no body', undefined],
    ['a null body', null],
    ['an empty string', ''],
    ['empty bytes', new Uint8Array(0)],
  ])('leaves %s as it is', (_what, body) => {
    expect(redactBody(body)).toBe(body);
  });
});

describe('REDACTED', () => {
  it('is the one placeholder', () => {
    expect(REDACTED).toBe('[REDACTED]');
  });
});
