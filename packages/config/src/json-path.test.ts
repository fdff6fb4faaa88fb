import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigValidationError, JsonPathError, parseConfig, parseJsonPath, readJsonPath } from './index.js';

function errorOf(path: string): JsonPathError {
  try {
    parseJsonPath(path);
  } catch (error) {
    if (error instanceof JsonPathError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(path)} to be rejected`);
}

describe('parseJsonPath', () => {
  it('reads the forms the schema used to accept', () => {
    expect(parseJsonPath('$.data.token')).toEqual(['data', 'token']);
    expect(parseJsonPath('$.items[0].id')).toEqual(['items', 0, 'id']);
    expect(parseJsonPath('$.headers.x-user')).toEqual(['headers', 'x-user']);
    expect(parseJsonPath('$.$ref')).toEqual(['$ref']);
    expect(parseJsonPath('$[2][10]')).toEqual([2, 10]);
    expect(parseJsonPath('$')).toEqual([]);
  });

  it('reads the forms only the runner used to accept: a bare leading name and quoted keys', () => {
    expect(parseJsonPath('a.b')).toEqual(['a', 'b']);
    expect(parseJsonPath('data')).toEqual(['data']);
    expect(parseJsonPath('items[0].id')).toEqual(['items', 0, 'id']);
    expect(parseJsonPath('[0].id')).toEqual([0, 'id']);
    expect(parseJsonPath('["x"]')).toEqual(['x']);
    expect(parseJsonPath('$["odd key"].v')).toEqual(['odd key', 'v']);
    expect(parseJsonPath("$['odd key']")).toEqual(['odd key']);
    expect(parseJsonPath('$[ "spaced" ][ 1 ]')).toEqual(['spaced', 1]);
  });

  it('keeps quoted keys verbatim, with "\\" escaping the next character', () => {
    expect(parseJsonPath('$["a.b[0]"]')).toEqual(['a.b[0]']);
    expect(parseJsonPath('$[""]')).toEqual(['']);
    expect(parseJsonPath(String.raw`$["say \"hi\""]`)).toEqual(['say "hi"']);
    expect(parseJsonPath(String.raw`$['it\'s']`)).toEqual(["it's"]);
    expect(parseJsonPath(String.raw`$["back\\slash"]`)).toEqual(['back\\slash']);
    expect(parseJsonPath(`$["it's"]`)).toEqual(["it's"]);
  });

  it('reads "$" as the root only before ".", "[" or the end; otherwise it starts a name', () => {
    expect(parseJsonPath('$foo.bar')).toEqual(['$foo', 'bar']);
  });

  it.each([
    ['', /is empty/],
    ['$.', /ends with "\."/],
    ['$.a..b', /"\.\." is not supported/],
    ['$.0', /cannot start with a digit; write \[0\] for an array index or \["0"\]/],
    ['$.é', /"é" cannot start a name.*write \["key"\]/],
    ['$[-1]', /"\[-1\]" is neither an index/],
    ['$[]', /"\[\]" is empty/],
    ['$[0', /"\[" is not closed/],
    ['$["a"', /"\[" is not closed/],
    ['$["a', /no closing "/],
    ['$[0 1]', /expected "\]", found "1"/],
    [' $.a', /unexpected " "/],
    ['$.a b', /unexpected " "/],
    ['$x y', /unexpected " "/],
    ['$[99999999999999999999]', /too large/],
  ])('rejects %j, saying what is wrong and the accepted forms', (path, problem) => {
    const error = errorOf(path);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('SE_ERR_CONFIG_JSON_PATH');
    expect(error.name).toBe('JsonPathError');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`invalid JSON path ${JSON.stringify(path)}`);
    expect(error.message).toContain(`accepted forms: $.name, $.list[0], $["any key"] or $['any key'], a bare name.sub, and $ for the whole document`);
  });

  it('says where reading stopped', () => {
    const error = errorOf('$.items[x]');
    expect(error.offset).toBe(7);
    expect(error.message).toContain('invalid JSON path "$.items[x]" at position 8: "[x]" is neither an index');
  });

  it('shortens a long path in the message but keeps it whole on the error', () => {
    const path = `$.${'a'.repeat(200)} b`;
    const error = errorOf(path);
    expect(error.path).toBe(path);
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('readJsonPath', () => {
  const document = {
    data: { token: 'abc', count: 0, none: null },
    items: [{ id: 7 }, { id: 8 }],
    'odd key': { v: true },
    headers: { 'x-user': 'u1' },
  };

  it('reads with a path or with parsed segments, alike', () => {
    for (const path of ['$.data.token', 'data.token', '$["data"]["token"]', "$['data'].token"]) {
      expect(readJsonPath(document, path)).toBe('abc');
      expect(readJsonPath(document, parseJsonPath(path))).toBe('abc');
    }
    expect(readJsonPath(document, '$.items[1].id')).toBe(8);
    expect(readJsonPath(document, '$["odd key"].v')).toBe(true);
    expect(readJsonPath(document, '$.headers.x-user')).toBe('u1');
    expect(readJsonPath(document, '$')).toBe(document);
  });

  it('returns falsy values as they are, and undefined for what is absent', () => {
    expect(readJsonPath(document, '$.data.count')).toBe(0);
    expect(readJsonPath(document, '$.data.none')).toBeNull();
    expect(readJsonPath(document, '$.data.missing')).toBeUndefined();
    expect(readJsonPath(document, '$.data.token.deeper')).toBeUndefined();
    expect(readJsonPath(document, '$.items[5].id')).toBeUndefined();
    expect(readJsonPath('text', '$.a')).toBeUndefined();
    expect(readJsonPath(null, '$[0]')).toBeUndefined();
  });

  it('indexes arrays only with numbers and reads own keys of objects only', () => {
    expect(readJsonPath(document, '$.items["0"]')).toBeUndefined();
    expect(readJsonPath(document, '$.items.length')).toBeUndefined();
    expect(readJsonPath(document, '$.data[0]')).toBeUndefined();
    expect(readJsonPath(document, '$.data.toString')).toBeUndefined();
    expect(readJsonPath(document, '$.__proto__')).toBeUndefined();
    expect(readJsonPath(JSON.parse('{"__proto__": {"x": 1}}'), '$.__proto__.x')).toBe(1);
  });

  it('throws JsonPathError for a path that does not parse', () => {
    expect(() => readJsonPath(document, '$..token')).toThrow(JsonPathError);
  });
});

describe('capture paths in the config', () => {
  const step = (json: string) => ({ target_url: 'http://localhost', scenario: [{ path: '/', capture: { token: { json } } }] });

  it('accepts every form the runner reads', () => {
    for (const json of ['$.data.token', 'data.token', '["x"]', "$['odd key'][0]", '$.headers.x-user', '$']) {
      expect(parseConfig(step(json)).scenario[0]?.capture).toEqual({ token: { json } });
    }
  });

  it("reports a bad path at its capture with the parser's message", () => {
    let caught: unknown;
    try {
      parseConfig(step('$.data..token'), { source: 'c.json' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    expect((caught as ConfigValidationError).issues).toEqual([
      { path: 'scenario[0].capture.token.json', code: 'invalid_format', message: errorOf('$.data..token').message, file: 'c.json' },
    ]);
  });
});
