import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readEnv } from './env.js';
import { ConfigFileError, ConfigValidationError, type ConfigIssue } from './errors.js';
import { deepFreeze } from './freeze.js';
import { fromZodIssues, type RawIssue } from './issues.js';
import { parseJsonWithPositions, type LocatedJson } from './json-source.js';
import { formatPath } from './path.js';
import { engineConfigSchema, type ConfigInput, type EngineConfig } from './schema.js';

export interface LoadConfigOptions {
  /** JSON config file (the seed's format). Omitted: defaults, environment and overrides only. */
  file?: string;
  /** Environment to read `SESSION_ENGINE_*` variables from; defaults to `process.env`. Pass `{}` to ignore it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Highest layer, e.g. CLI flags; same units as the file. Keys whose value is `undefined` are ignored. */
  overrides?: ConfigInput;
}

export interface ParseConfigOptions {
  /** Names the input in issues (their `file` field), e.g. "flags" or a file name. */
  source?: string;
}

/** One source of values, and how to point a user at a value in it. */
interface Layer {
  values: Record<string, unknown>;
  locate(path: RawIssue['path']): Pick<ConfigIssue, 'file' | 'line' | 'column' | 'env'>;
}

const hasOwn = (object: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(object, key);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property assignment: a "__proto__" key from JSON must stay a key (and be reported unknown). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Configuration with every default applied; deeply frozen. */
export function defaultConfig(): Readonly<EngineConfig> {
  return deepFreeze(engineConfigSchema.parse({}));
}

/**
 * Validates a configuration object (e.g. one already parsed from JSON). Same
 * rules and units as a config file.
 * @throws ConfigValidationError listing every problem
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): Readonly<EngineConfig> {
  const result = engineConfigSchema.safeParse(input);
  if (result.success) return deepFreeze(result.data);
  const source = options.source;
  throw new ConfigValidationError(
    fromZodIssues(result.error.issues, engineConfigSchema).map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
      code: issue.code,
      ...(source === undefined ? {} : { file: source }),
    })),
  );
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const absolute = resolve(path);
    const shownPath = absolute === path ? path : `${absolute} (from "${path}")`;
    const code = (error as NodeJS.ErrnoException).code;
    let reason: string;
    if (code === 'ENOENT') reason = `config file not found: ${shownPath}; check the path, or omit the file to use the defaults`;
    else if (code === 'EISDIR') reason = `config path is a directory, not a file: ${shownPath}`;
    else if (code === 'EACCES' || code === 'EPERM') reason = `no permission to read config file: ${shownPath}`;
    else reason = `cannot read config file ${shownPath}: ${(error as Error).message}`;
    throw new ConfigFileError(reason, path, { cause: error });
  }
}

function fileLayer(file: string, located: LocatedJson, values: Record<string, unknown>): Layer {
  return {
    values,
    locate: (path) => ({ file, ...located.locate(path) }),
  };
}

/**
 * Layers are merged key by key; `headers` merges by header name so a higher layer can add one,
 * and `thresholds` add up (a `--threshold` flag adds to the file's).
 */
function merge(layers: readonly Layer[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const { values } of layers) {
    for (const [key, value] of Object.entries(values)) {
      const below = merged[key];
      if (key === 'headers' && hasOwn(merged, key) && isRecord(below) && isRecord(value)) {
        const headers: Record<string, unknown> = {};
        for (const [name, headerValue] of [...Object.entries(below), ...Object.entries(value)]) setOwn(headers, name, headerValue);
        setOwn(merged, key, headers);
      } else if (key === 'thresholds' && Array.isArray(below) && Array.isArray(value)) {
        setOwn(merged, key, [...below, ...value]);
      } else {
        setOwn(merged, key, value);
      }
    }
  }
  return merged;
}

/** Where the value at `path` came from: file position, environment variable, or nothing (overrides). */
function locateIssue(layers: readonly Layer[], path: RawIssue['path']): Pick<ConfigIssue, 'file' | 'line' | 'column' | 'env'> | undefined {
  if (path[0] === 'thresholds' && typeof path[1] === 'number') {
    const found = thresholdOwner(layers, path);
    if (found !== undefined) return found.layer.locate(found.path);
  }
  return owner(layers, path)?.locate(path);
}

/** The highest layer that supplied the value at `path`: that is where the user must fix it. */
function owner(layers: readonly Layer[], path: RawIssue['path']): Layer | undefined {
  const [top, second] = path;
  if (top === undefined) return undefined;
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index];
    if (layer === undefined || !hasOwn(layer.values, top)) continue;
    const headers = layer.values['headers'];
    // Header maps merge, so a bad header belongs to the layer that has that name.
    if (top === 'headers' && typeof second === 'string' && isRecord(headers) && !hasOwn(headers, second)) continue;
    return layer;
  }
  return undefined;
}

/**
 * Thresholds add up across layers: the layer that holds the merged list's `index`-th entry, and
 * the path to it inside that layer (so a file position points at the right entry).
 */
function thresholdOwner(layers: readonly Layer[], path: RawIssue['path']): { layer: Layer; path: RawIssue['path'] } | undefined {
  const index = path[1];
  if (typeof index !== 'number') return undefined;
  // The lists the merge concatenated, in order; a value that is not a list starts over (it replaced those below).
  let parts: { layer: Layer; length: number }[] = [];
  for (const layer of layers) {
    if (!hasOwn(layer.values, 'thresholds')) continue;
    const list = layer.values['thresholds'];
    const last = parts[parts.length - 1];
    const appends = Array.isArray(list) && last !== undefined && last.length >= 0;
    const entry = { layer, length: Array.isArray(list) ? list.length : -1 };
    parts = appends ? [...parts, entry] : [entry];
  }
  let start = 0;
  for (const part of parts) {
    if (part.length < 0) return { layer: part.layer, path };
    if (index < start + part.length) return { layer: part.layer, path: ['thresholds', index - start, ...path.slice(2)] };
    start += part.length;
  }
  return undefined;
}

/**
 * Loads the configuration: defaults < `file` < `SESSION_ENGINE_*` environment
 * variables < `overrides`. Every problem from every source is reported at once.
 * @throws ConfigFileError when the file is missing or unreadable
 * @throws ConfigParseError when the file is not valid JSON
 * @throws ConfigValidationError listing every problem, with file line:column or variable name
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Readonly<EngineConfig>> {
  const layers: Layer[] = [];
  const issues: ConfigIssue[] = [];

  if (options.file !== undefined) {
    const file = options.file;
    const located = parseJsonWithPositions(await readConfigFile(file), file);
    if (isRecord(located.value)) {
      layers.push(fileLayer(file, located, located.value));
    } else {
      issues.push({
        path: '',
        code: 'invalid_type',
        message: `the config file must hold a JSON object ({ "number_of_sessions": 100, ... }); got ${Array.isArray(located.value) ? 'an array' : typeof located.value}`,
        file,
        ...located.locate([]),
      });
    }
  }

  const env = readEnv(options.env ?? process.env);
  issues.push(...env.issues);
  layers.push({
    values: env.values,
    locate: ([top]) => {
      const variable = typeof top === 'string' ? env.variables.get(top) : undefined;
      return variable === undefined ? {} : { env: variable };
    },
  });

  if (options.overrides !== undefined) {
    const overrides: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options.overrides)) if (value !== undefined) setOwn(overrides, key, value);
    layers.push({ values: overrides, locate: () => ({}) });
  }

  const result = engineConfigSchema.safeParse(merge(layers));
  if (!result.success) {
    for (const issue of fromZodIssues(result.error.issues, engineConfigSchema)) {
      issues.push({
        path: formatPath(issue.path),
        message: issue.message,
        code: issue.code,
        ...locateIssue(layers, issue.path),
      });
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigValidationError(sortIssues(issues));
  return deepFreeze(result.data);
}

/** File issues in reading order, then environment, then the rest; otherwise as found. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const rank = (issue: ConfigIssue) => (issue.line !== undefined ? 0 : issue.env !== undefined ? 1 : 2);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        rank(a.issue) - rank(b.issue) ||
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}
