import { describe, expect, it } from 'vitest';
import { ConfigParseError } from './errors.js';
import { parseJsonWithPositions } from './json-source.js';

function parseError(text: string): ConfigParseError {
  try {
    parseJsonWithPositions(text, 'c.json');
  } catch (error) {
    if (error instanceof ConfigParseError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('parseJsonWithPositions', () => {
  it('parses the same values as JSON.parse', () => {
    const text = '{"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "x\\n\\u00e9\\"\\/"}, "d": {}, "e": [], "f": 0}';
    expect(parseJsonWithPositions(text).value).toEqual(JSON.parse(text));
  });

  it('locates keys and array elements by path, 1-based', () => {
    const text = '{\n  "a": 1,\n  "list": [\n    {"x": 1},\n    {"y": 2}\n  ]\n}';
    const { locate } = parseJsonWithPositions(text);
    expect(locate(['a'])).toEqual({ line: 2, column: 3 });
    expect(locate(['list'])).toEqual({ line: 3, column: 3 });
    expect(locate(['list', 1])).toEqual({ line: 5, column: 5 });
    expect(locate(['list', 1, 'y'])).toEqual({ line: 5, column: 6 });
    expect(locate([])).toEqual({ line: 1, column: 1 });
  });

  it('falls back to the nearest parent for a path missing from the text', () => {
    const { locate } = parseJsonWithPositions('{\n  "list": [\n    {"x": 1}\n  ]\n}');
    expect(locate(['list', 0, 'missing'])).toEqual({ line: 3, column: 5 });
  });

  it('counts CRLF line endings and ignores a BOM', () => {
    const { locate } = parseJsonWithPositions('\ufeff{\r\n  "a": 1,\r\n  "b": 2\r\n}');
    expect(locate(['b'])).toEqual({ line: 3, column: 3 });
  });

  it('keeps the last of duplicate keys, like JSON.parse', () => {
    const { value, locate } = parseJsonWithPositions('{"a": 1,\n "a": 2}');
    expect(value).toEqual({ a: 2 });
    expect(locate(['a'])).toEqual({ line: 2, column: 2 });
  });

  it('keeps "__proto__" as an own key instead of setting the prototype', () => {
    const { value } = parseJsonWithPositions('{"__proto__": {"polluted": true}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, /trailing comma before "}"; expected a property name in double quotes/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /unexpected "\\""; expected "," or "}" after a property value/],
    ['{"a" 1}', 1, 6, /expected ":" after property name "a"/],
    ['[1, 2,]', 1, 7, /trailing comma before "]"/],
    ['[1 2]', 1, 4, /expected "," or "]"/],
    ['{"a": tru}', 1, 7, /expected a JSON value/],
    ["{'a': 1}", 1, 2, /strings must use double quotes/],
    ['{\n  // note\n  "a": 1}', 2, 3, /comments are not allowed/],
    ['{"a": "abc', 1, 11, /unterminated string/],
    ['{"a": "\\x"}', 1, 8, /invalid escape/],
    ['{"a": 01}', 1, 8, /invalid number/],
    ['{"a": 1.}', 1, 8, /invalid number/],
    ['{"a": 1} x', 1, 10, /expected end of input after the JSON value/],
    ['', 1, 1, /unexpected end of input; expected a JSON value/],
    ['{"a": 1', 1, 8, /unexpected end of input; expected "," or "}"/],
    ['{"a": "x\ty"}', 1, 9, /control character in a string/],
  ])('reports %j at its line and column with what was expected', (text, line, column, message) => {
    const error = parseError(text);
    expect(error.code).toBe('SE_ERR_CONFIG_PARSE');
    expect(error.file).toBe('c.json');
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`c.json:${line}:${column}: invalid JSON: `)).toBe(true);
    expect(error.expected.length).toBeGreaterThan(0);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(parseError('['.repeat(100_000)).message).toMatch(/nesting is too deep/);
  });
});
