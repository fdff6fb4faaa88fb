/**
 * Scenario templating: `{{name}}` placeholders are replaced by session
 * variables (captures, plus built-ins such as `session_id` and `iteration`).
 * An unknown name is an error, not an empty string: a typo in a scenario must
 * not silently send requests with holes in them.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export class TemplateError extends Error {
  readonly code = 'SE_ERR_CLI_TEMPLATE';

  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type Variables = ReadonlyMap<string, string>;

/** True when the text contains at least one placeholder (lets callers skip work). */
export function hasPlaceholders(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(text);
}

export function renderString(text: string, variables: Variables, where: string): string {
  if (!text.includes('{{')) return text;
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = variables.get(name);
    if (value === undefined) {
      const known = [...variables.keys()].sort().join(', ') || 'none';
      throw new TemplateError(
        `${where}: unknown variable "{{${name}}}"; define it with a capture in an earlier step (known: ${known})`,
      );
    }
    return value;
  });
}

/** Renders every string inside a JSON value (keys are left alone). */
export function renderJson(value: unknown, variables: Variables, where: string): unknown {
  if (typeof value === 'string') return renderString(value, variables, where);
  if (Array.isArray(value)) return value.map((item, i) => renderJson(item, variables, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderJson(item, variables, `${where}.${key}`);
    return out;
  }
  return value;
}

/**
 * Reads a value from parsed JSON with a small JSON path: `$.a.b[0].c`,
 * `$["odd key"]`, or a bare `a.b`. Returns undefined when the path is absent.
 */
export function readJsonPath(document: unknown, path: string): unknown {
  const segments = parseJsonPath(path);
  let current: unknown = document;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function parseJsonPath(path: string): (string | number)[] {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const segments: (string | number)[] = [];
  const token = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*(["'])((?:(?!\3).)*)\3\s*\])/;
  if (rest !== '' && !rest.startsWith('.') && !rest.startsWith('[')) rest = `.${rest}`;
  while (rest.length > 0) {
    const match = token.exec(rest);
    if (!match) throw new TemplateError(`invalid JSON path "${path}" near "${rest}"; use the form $.field.sub[0]`);
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[4] ?? '');
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** Turns a captured value into the string stored in a session variable. */
export function stringifyCapture(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
