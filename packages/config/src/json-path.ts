import { JsonPathError } from './errors.js';

/**
 * The JSON paths of scenario captures (`"capture": {"token": {"json": "$.data.token"}}`): one
 * grammar, used by the schema to validate them and by the runner to read responses.
 *
 *   path     := "$"? first? segment*      (not empty)
 *   first    := name                      (only without "$": `a.b` is `$.a.b`)
 *   segment  := "." name | "[" index "]" | "[" quoted "]"
 *   name     := [A-Za-z_$] [A-Za-z0-9_$-]*
 *   index    := [0-9]+                    (an array element)
 *   quoted   := '"' ... '"' | "'" ... "'" (any object key; "\" escapes the next character)
 *
 * `$` alone is the whole document. Spaces are allowed only inside brackets, around the index or
 * the quoted key.
 */

/** One step into a document: a string is an object key, a number an array index. */
export type JsonPathSegment = string | number;

const ACCEPTED = `accepted forms: $.name, $.list[0], $["any key"] or $['any key'], a bare name.sub, and $ for the whole document`;
const MAX_SHOWN = 80;

const isNameStart = (char: string | undefined): boolean => char !== undefined && /^[A-Za-z_$]$/.test(char);
const isNameChar = (char: string | undefined): boolean => char !== undefined && /^[\w$-]$/.test(char);
const isDigit = (char: string | undefined): boolean => char !== undefined && char >= '0' && char <= '9';

function fail(path: string, offset: number, problem: string): never {
  const shown = path.length > MAX_SHOWN ? `${path.slice(0, MAX_SHOWN - 3)}...` : path;
  const where = path === '' ? '' : ` at position ${offset + 1}`;
  throw new JsonPathError(`invalid JSON path ${JSON.stringify(shown)}${where}: ${problem}; ${ACCEPTED}`, path, offset);
}

/** Reads a name at `start`; returns its end. */
function nameEnd(path: string, start: number): number {
  let end = start + 1;
  while (isNameChar(path[end])) end += 1;
  return end;
}

function skipSpaces(path: string, index: number): number {
  let at = index;
  while (path[at] === ' ' || path[at] === '\t') at += 1;
  return at;
}

/**
 * Parses a JSON path into its segments: `$.items[0]["odd key"]` -> `['items', 0, 'odd key']`,
 * `a.b` -> `['a', 'b']`, `$` -> `[]`. Parse once and pass the segments to {@link readJsonPath}
 * on a hot path.
 * @throws JsonPathError (code `SE_ERR_CONFIG_JSON_PATH`) saying what is wrong, where, and the accepted forms
 */
export function parseJsonPath(path: string): JsonPathSegment[] {
  if (typeof path !== 'string') fail(String(path), 0, `expected a string, got ${typeof path}`);
  if (path === '') fail(path, 0, 'it is empty (use $ for the whole document)');
  const segments: JsonPathSegment[] = [];
  let index = 0;
  if (path[0] === '$' && (path.length === 1 || path[1] === '.' || path[1] === '[')) {
    index = 1;
  } else if (isNameStart(path[0])) {
    index = nameEnd(path, 0);
    segments.push(path.slice(0, index));
  }
  while (index < path.length) {
    const char = path[index];
    if (char === '.') {
      const start = index + 1;
      if (start >= path.length) fail(path, index, 'it ends with "."; add a name after it');
      if (isDigit(path[start])) {
        const digits = /^\d+/.exec(path.slice(start))?.[0] ?? '0';
        fail(path, start, `a name cannot start with a digit; write [${digits}] for an array index or ["${digits}"] for such a key`);
      }
      if (path[start] === '.') fail(path, index, '".." is not supported (no recursive descent); write one "." between names');
      if (!isNameStart(path[start])) {
        fail(path, start, `${JSON.stringify(path[start])} cannot start a name (names are letters, digits, _, $ and -, not starting with a digit); write ["key"] for any other key`);
      }
      index = nameEnd(path, start);
      segments.push(path.slice(start, index));
    } else if (char === '[') {
      index = bracket(path, index, segments);
    } else {
      fail(path, index, `unexpected ${JSON.stringify(char)}; each segment starts with "." or "["`);
    }
  }
  return segments;
}

/** Reads `[0]`, `["key"]` or `['key']` at `open`; returns the index after `]`. */
function bracket(path: string, open: number, segments: JsonPathSegment[]): number {
  let index = skipSpaces(path, open + 1);
  const char = path[index];
  if (char === '"' || char === "'") {
    let key = '';
    index += 1;
    for (;;) {
      if (index >= path.length) fail(path, open, `the quoted key has no closing ${char}`);
      const current = path[index]!;
      if (current === char) break;
      if (current === '\\') {
        index += 1;
        if (index >= path.length) fail(path, index - 1, `"\\" at the end has nothing to escape`);
        key += path[index];
      } else {
        key += current;
      }
      index += 1;
    }
    segments.push(key);
    index += 1; // the closing quote
  } else if (isDigit(char)) {
    const start = index;
    while (isDigit(path[index])) index += 1;
    const value = Number(path.slice(start, index));
    if (!Number.isSafeInteger(value)) fail(path, start, `index ${path.slice(start, index)} is too large`);
    segments.push(value);
  } else if (char === ']') {
    fail(path, open, `"[]" is empty; write an index such as [0] or a quoted key such as ["key"]`);
  } else {
    const rest = path.slice(open, path.indexOf(']', open) + 1 || undefined);
    fail(path, open, `${JSON.stringify(rest)} is neither an index (a whole number ≥ 0, e.g. [0]) nor a quoted key (e.g. ["key"])`);
  }
  index = skipSpaces(path, index);
  if (path[index] !== ']') {
    if (index >= path.length) fail(path, open, '"[" is not closed; add "]"');
    fail(path, index, `expected "]", found ${JSON.stringify(path[index])}`);
  }
  return index + 1;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Reads the value at `path` in a parsed JSON document; `undefined` when it is absent. A number
 * segment indexes an array, a string reads an object's own key (so `$.list.length` or
 * `$.__proto__` find nothing). Given segments, it allocates nothing.
 * @throws JsonPathError when `path` is a string that does not parse
 */
export function readJsonPath(document: unknown, path: string | readonly JsonPathSegment[]): unknown {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  let current = document;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
