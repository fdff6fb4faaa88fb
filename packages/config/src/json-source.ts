import { ConfigParseError } from './errors.js';
import { formatPath, type PathSegment } from './path.js';

/** 1-based line and column in a JSON text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** A parsed JSON document that remembers where each key and array element starts. */
export interface LocatedJson {
  readonly value: unknown;
  /**
   * Position of the key at `path` (of the element, for array indexes); when the
   * path is not in the text (a missing key), the position of its nearest parent.
   */
  locate(path: readonly PathSegment[]): TextPosition | undefined;
}

const MAX_DEPTH = 256;
const VALUE = 'a JSON value (object, array, string, number, true, false or null)';

/**
 * Strict JSON (RFC 8259) parser that records positions. `JSON.parse` reports
 * neither key positions nor, portably, where a syntax error is, and both are
 * what a user needs to fix a config file. Duplicate keys: the last one wins, as
 * with `JSON.parse` and Go's decoder.
 * @throws ConfigParseError with the line, column and what was expected
 */
export function parseJsonWithPositions(text: string, file?: string): LocatedJson {
  return new JsonParser(text, file).parse();
}

class JsonParser {
  readonly #text: string;
  readonly #file: string | undefined;
  readonly #positions = new Map<string, number>();
  #index = 0;
  #lineStarts: number[] | undefined;

  constructor(text: string, file: string | undefined) {
    // A UTF-8 BOM is invisible in editors: drop it so columns match what users see.
    this.#text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.#file = file;
  }

  parse(): LocatedJson {
    this.#skipWhitespace();
    const value = this.#value([], 0);
    this.#skipWhitespace();
    if (this.#index < this.#text.length) this.#fail('end of input after the JSON value');
    const positions = this.#positions;
    return {
      value,
      locate: (path) => {
        for (let length = path.length; length >= 0; length--) {
          const index = positions.get(formatPath(path.slice(0, length)));
          if (index !== undefined) return this.#position(index);
        }
        return undefined;
      },
    };
  }

  #value(path: PathSegment[], depth: number): unknown {
    if (depth > MAX_DEPTH) this.#fail(`at most ${MAX_DEPTH} levels of nesting`, 'nesting is too deep');
    this.#positions.set(formatPath(path), this.#index);
    const char = this.#text[this.#index];
    switch (char) {
      case '{':
        return this.#object(path, depth);
      case '[':
        return this.#array(path, depth);
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      default:
        if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.#number();
        return this.#fail(VALUE);
    }
  }

  #object(path: PathSegment[], depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.#index++; // {
    this.#skipWhitespace();
    if (this.#text[this.#index] === '}') {
      this.#index++;
      return result;
    }
    for (;;) {
      if (this.#text[this.#index] !== '"') {
        const trailingComma = this.#text[this.#index] === '}';
        this.#fail('a property name in double quotes', trailingComma ? 'trailing comma before "}"' : undefined);
      }
      const keyStart = this.#index;
      const key = this.#string();
      const memberPath = [...path, key];
      this.#skipWhitespace();
      this.#expect(':', `":" after property name "${key}"`);
      this.#skipWhitespace();
      const member = this.#value(memberPath, depth + 1);
      // Point at the key, not the value: that is what the user looks for.
      this.#positions.set(formatPath(memberPath), keyStart);
      // "__proto__" must become an own property, as JSON.parse makes it.
      if (key === '__proto__') {
        Object.defineProperty(result, key, { value: member, enumerable: true, writable: true, configurable: true });
      } else {
        result[key] = member;
      }
      if (this.#closes('}', '"," or "}" after a property value')) return result;
    }
  }

  #array(path: PathSegment[], depth: number): unknown[] {
    const result: unknown[] = [];
    this.#index++; // [
    this.#skipWhitespace();
    if (this.#text[this.#index] === ']') {
      this.#index++;
      return result;
    }
    for (;;) {
      if (this.#text[this.#index] === ']') this.#fail(VALUE, 'trailing comma before "]"');
      result.push(this.#value([...path, result.length], depth + 1));
      if (this.#closes(']', '"," or "]" after an array element')) return result;
    }
  }

  #string(): string {
    const text = this.#text;
    let index = this.#index + 1; // opening quote
    let out = '';
    let chunkStart = index;
    for (;;) {
      if (index >= text.length) {
        this.#index = index;
        this.#fail('a closing \'"\'', 'unterminated string');
      }
      const code = text.charCodeAt(index);
      if (code === 0x22) break; // "
      if (code < 0x20) {
        this.#index = index;
        this.#fail('an escape such as \\n or \\t', 'control character in a string');
      }
      if (code !== 0x5c) {
        index++;
        continue;
      }
      out += text.slice(chunkStart, index);
      const escape = text[index + 1];
      const simple = escape === undefined ? undefined : SIMPLE_ESCAPES[escape];
      if (simple !== undefined) {
        out += simple;
        index += 2;
      } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(index + 2, index + 6), 16));
        index += 6;
      } else {
        this.#index = index;
        this.#fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)', 'invalid escape in a string');
      }
      chunkStart = index;
    }
    out += text.slice(chunkStart, index);
    this.#index = index + 1;
    return out;
  }

  #number(): number {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.#index;
    const found = match.exec(this.#text);
    if (found === null) return this.#fail('a number such as 1, -2.5 or 3e9', 'invalid number');
    const after = this.#text[this.#index + found[0].length];
    if (after !== undefined && /[\d.eE]/.test(after)) {
      // "01", "1.", "1e": point at the character that breaks the number.
      this.#index += found[0].length;
      this.#fail('a number such as 1, -2.5 or 3e9', 'invalid number');
    }
    this.#index += found[0].length;
    return Number(found[0]);
  }

  #literal<T>(word: string, value: T): T {
    if (this.#text.startsWith(word, this.#index)) {
      this.#index += word.length;
      return value;
    }
    return this.#fail(VALUE);
  }

  #expect(char: string, expected: string): void {
    if (this.#text[this.#index] !== char) this.#fail(expected);
    this.#index++;
  }

  #skipWhitespace(): void {
    const text = this.#text;
    let index = this.#index;
    for (;;) {
      const code = text.charCodeAt(index);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) index++;
      else break;
    }
    this.#index = index;
  }

  /** After a member or element: true when `close` ends the container, false after a ",". */
  #closes(close: string, expected: string): boolean {
    this.#skipWhitespace();
    const next = this.#text[this.#index];
    if (next === ',') {
      this.#index++;
      this.#skipWhitespace();
      return false;
    }
    if (next === close) {
      this.#index++;
      return true;
    }
    return this.#fail(expected);
  }

  #fail(expected: string, problem?: string): never {
    const position = this.#position(this.#index);
    const char = this.#text[this.#index];
    let found: string;
    if (problem !== undefined) found = problem;
    else if (char === undefined) found = 'unexpected end of input';
    else if (char === '/') found = 'comments are not allowed in JSON';
    else if (char === "'") found = 'strings must use double quotes';
    else found = `unexpected ${JSON.stringify(this.#text.slice(this.#index, this.#index + 1))}`;
    throw new ConfigParseError(`${found}; expected ${expected}`, { file: this.#file, ...position, expected });
  }

  #position(index: number): TextPosition {
    this.#lineStarts ??= lineStarts(this.#text);
    const starts = this.#lineStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: index - (starts[low] ?? 0) + 1 };
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}
