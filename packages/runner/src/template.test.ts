import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { renderJson, renderString, stringifyCapture } from './template.js';

const vars = new Map([
  ['token', 'abc'],
  ['session_id', '7'],
]);

describe('renderString', () => {
  it('replaces placeholders, tolerating inner spaces', () => {
    expect(renderString('/u/{{session_id}}?t={{ token }}', vars, 'x')).toBe('/u/7?t=abc');
  });

  it('leaves text without placeholders untouched', () => {
    expect(renderString('/plain', vars, 'x')).toBe('/plain');
  });

  it('fails on an unknown variable naming where and what is known', () => {
    expect(() => renderString('{{nope}}', vars, 'scenario[1].path')).toThrowError(TemplateError);
    expect(() => renderString('{{nope}}', vars, 'scenario[1].path')).toThrowError(
      /scenario\[1\]\.path: unknown variable "\{\{nope\}\}".*known: session_id, token/,
    );
  });
});

describe('renderJson', () => {
  it('renders nested strings and keeps other values', () => {
    expect(renderJson({ a: '{{token}}', b: [1, '{{session_id}}'], c: null, d: true }, vars, 'json')).toEqual({
      a: 'abc',
      b: [1, '7'],
      c: null,
      d: true,
    });
  });
});

describe('stringifyCapture', () => {
  it('keeps strings and writes anything else as JSON', () => {
    expect(stringifyCapture('abc')).toBe('abc');
    expect(stringifyCapture(42)).toBe('42');
    expect(stringifyCapture({ a: [1] })).toBe('{"a":[1]}');
  });
});
