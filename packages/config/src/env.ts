import { configFields, ENV_PREFIX, type FieldKind } from './config-fields.js';
import type { ConfigIssue } from './errors.js';
import { ConfigParseError } from './errors.js';
import { parseJsonWithPositions } from './json-source.js';
import { closestKey } from './suggest.js';

/** Config values read from `SESSION_ENGINE_*` variables, still in input form (ns or unit strings). */
export interface EnvLayer {
  values: Record<string, unknown>;
  /** Config key -> the variable that set it, to name it in errors. */
  variables: Map<string, string>;
  issues: ConfigIssue[];
}

/** `SESSION_ENGINE_*` variables that are not config keys: read by the runner itself, never part of a config (or a report). */
export const NON_CONFIG_VARIABLES: ReadonlySet<string> = new Set(['SESSION_ENGINE_CONTROL_TOKEN']);

const KINDS: ReadonlyMap<string, FieldKind> = new Map(configFields.map((field) => [field.key, field.kind]));
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false };

type Converted = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Environment text -> the value a JSON file would hold, so the schema checks both alike. */
function convert(kind: FieldKind, name: string, raw: string): Converted {
  const text = raw.trim();
  switch (kind) {
    case 'integer':
    case 'number':
      // "auto" goes on to the schema: keys that take it (threads) accept it, the others say what they expect.
      if (text.toLowerCase() === 'auto') return { ok: true, value: 'auto' };
      return NUMBER.test(text)
        ? { ok: true, value: Number(text) }
        : { ok: false, code: 'invalid_type', message: `${name}=${JSON.stringify(raw)} is not a number; set a number, e.g. ${name}=${kind === 'integer' ? '100' : '2.5'}` };
    case 'duration':
      // Digits alone are nanoseconds, as a JSON number in the file.
      return { ok: true, value: /^\d+$/.test(text) ? Number(text) : text };
    case 'boolean': {
      const value = BOOLEANS[text.toLowerCase()];
      return value === undefined
        ? { ok: false, code: 'invalid_type', message: `${name}=${JSON.stringify(raw)} is not a boolean; use true or false` }
        : { ok: true, value };
    }
    case 'object':
    case 'array':
      try {
        return { ok: true, value: parseJsonWithPositions(raw, name).value };
      } catch (error) {
        if (!(error instanceof ConfigParseError)) throw error;
        const example = kind === 'object' ? `${name}='{"x-api-key": "abc"}'` : `${name}='[...]'`;
        return { ok: false, code: 'invalid_json', message: `${error.message}; this variable takes JSON, e.g. ${example}` };
      }
    default:
      return { ok: true, value: raw };
  }
}

/**
 * Reads every `SESSION_ENGINE_<KEY>` variable. An unknown one is an issue with a
 * suggestion: a typo in a variable would otherwise be silently ignored.
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvLayer {
  const layer: EnvLayer = { values: {}, variables: new Map(), issues: [] };
  const keys = [...KINDS.keys()];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || NON_CONFIG_VARIABLES.has(name)) continue;
    const key = name.slice(ENV_PREFIX.length).toLowerCase();
    const kind = KINDS.get(key);
    if (kind === undefined) {
      const suggestion = closestKey(key, keys);
      layer.issues.push({
        path: key,
        code: 'unknown_key',
        env: name,
        message: `unknown variable ${name}${suggestion === undefined ? '; remove it (no config key matches)' : `; did you mean ${ENV_PREFIX}${suggestion.toUpperCase()}?`}`,
      });
      continue;
    }
    const converted = convert(kind, name, raw);
    if (converted.ok) {
      layer.values[key] = converted.value;
      layer.variables.set(key, name);
    } else {
      layer.issues.push({ path: key, code: converted.code, env: name, message: converted.message });
    }
  }
  return layer;
}
