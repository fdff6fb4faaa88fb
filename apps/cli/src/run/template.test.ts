import { describe, expect, it } from 'vitest';
import { hasPlaceholders, parseJsonPath, readJsonPath, renderJson, renderString, TemplateError } from './template.js';

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
    expect(hasPlaceholders('/plain')).toBe(false);
    expect(hasPlaceholders('/{{a}}')).toBe(true);
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

describe('readJsonPath', () => {
  const doc = { user: { name: 'ann', tags: ['x', 'y'] }, 'odd key': 1 };

  it('reads dotted, indexed and quoted paths', () => {
    expect(readJsonPath(doc, '$.user.name')).toBe('ann');
    expect(readJsonPath(doc, 'user.tags[1]')).toBe('y');
    expect(readJsonPath(doc, '$["odd key"]')).toBe(1);
    expect(readJsonPath(doc, '$')).toEqual(doc);
  });

  it('returns undefined for absent paths', () => {
    expect(readJsonPath(doc, '$.user.missing.deeper')).toBeUndefined();
    expect(readJsonPath(null, '$.a')).toBeUndefined();
  });

  it('rejects malformed paths', () => {
    expect(() => parseJsonPath('$.a[')).toThrowError(/invalid JSON path/);
  });
});
