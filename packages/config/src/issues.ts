import type { z } from 'zod';
import { formatPath, type PathSegment } from './path.js';
import { closestKey } from './suggest.js';

/** An issue before it is tied to a source (file position or environment variable). */
export interface RawIssue {
  path: PathSegment[];
  message: string;
  code: string;
}

/** Converts zod's issues: one `unknown_key` issue per unknown key, with a suggestion. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], root: z.ZodType): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({ path: [...path, key], code: 'unknown_key', message: unknownKeyMessage(key, [...path, key], knownKeysAt(root, path)) });
        }
        break;
      case 'invalid_key':
        // A record key failed its own check (e.g. a capture variable name): its message is the useful one.
        out.push({ path, code: 'invalid_key', message: issue.issues[0]?.message ?? issue.message });
        break;
      case 'custom': {
        const code = issue.params?.['code'];
        out.push({ path, code: typeof code === 'string' ? code : 'custom', message: issue.message });
        break;
      }
      default:
        out.push({ path, code: issue.code, message: issue.message });
    }
  }
  return out;
}

/** `unknown key "x" at a.x; did you mean "y"?` */
export function unknownKeyMessage(key: string, path: readonly PathSegment[], known: readonly string[]): string {
  const head = `unknown key ${JSON.stringify(key)} at ${formatPath(path)}`;
  const suggestion = closestKey(key, known);
  if (suggestion !== undefined) return `${head}; did you mean ${JSON.stringify(suggestion)}?`;
  if (known.length > 0 && known.length <= 12) return `${head}; remove it (valid keys: ${known.join(', ')})`;
  return `${head}; remove it (it is not a configuration key)`;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return schema._zod.def as unknown as SchemaDef;
}

/** Sees through wrappers that do not change the shape of the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (inner === undefined) return current;
    current = inner;
  }
}

/** The keys the object schema at `path` accepts ([] if the path does not lead to an object). */
export function knownKeysAt(root: z.ZodType, path: readonly PathSegment[]): string[] {
  let schema: z.ZodType | undefined = unwrap(root);
  for (const segment of path) {
    const def = defOf(schema);
    if (def.type === 'object' && typeof segment === 'string') schema = def.shape?.[segment];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else schema = undefined;
    if (schema === undefined) return [];
    schema = unwrap(schema);
  }
  const def = defOf(schema);
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}
