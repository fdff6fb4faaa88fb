/**
 * Scenario templating: `{{name}}` placeholders are replaced by session
 * variables (captures, plus the built-ins `session_id` and `iteration`). The
 * config check rejects a name no earlier step captures before any request is
 * sent; at run time an unknown name is still an error, never an empty string:
 * a scenario must not silently send requests with holes in them.
 */
import { TemplateError } from './errors.js';

// The placeholder grammar of @session-engine/config's templateVariables(), which checks scenarios at load.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export type Variables = ReadonlyMap<string, string>;

export function renderString(text: string, variables: Variables, where: string): string {
  if (!text.includes('{{')) return text;
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = variables.get(name);
    if (value === undefined) {
      const known = [...variables.keys()].sort().join(', ') || 'none';
      throw new TemplateError(`${where}: unknown variable "{{${name}}}"; define it with a capture in an earlier step (known: ${known})`);
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

/** Turns a captured value into the string stored in a session variable. */
export function stringifyCapture(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
