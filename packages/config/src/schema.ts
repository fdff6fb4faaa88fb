import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { formatDuration, tryParseDuration } from './duration.js';
import { JsonPathError, ThresholdError } from './errors.js';
import { parseJsonPath } from './json-path.js';
import { parseThreshold } from './threshold.js';
import { redactUrl } from '@session-engine/redact';
import { scenarioTemplateIssues } from './scenario-templates.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One step of a ramp: move linearly to `target` (sessions, or starts/s when `rate` > 0) over `duration` ms. */
export interface Stage {
  duration: number;
  target: number;
}

/**
 * Where a scenario step takes a variable from: a JSON path in the body (`"$.a.b"`, `"$.items[0].id"`,
 * `"$['odd key']"`, `"a.b"`; read it with `readJsonPath`) or a header.
 */
export type CaptureSpec = { json: string } | { header: string };

export interface ScenarioStep {
  name?: string;
  method: string;
  /** Relative to `target_url`; exactly one of `path` and `url`. */
  path?: string;
  url?: string;
  headers?: Record<string, string>;
  /** At most one of `body` and `json`. */
  body?: string;
  json?: unknown;
  expect_status?: number | number[];
  capture?: Record<string, CaptureSpec>;
  /** Run this step only in a session's first iteration (e.g. a login); later iterations skip it. */
  once?: boolean;
  /** Checks of the response, counted as passes and fails; a failed check fails neither the request nor the iteration. */
  checks?: CheckSpec[];
}

/**
 * One check of a step's response (exactly one kind): the status is in a set; a header is present
 * (or matches a regular expression); the body contains a string; the value at a JSON path is
 * present, equals a JSON value, or (as text) matches a regular expression. `name` is unique in
 * its step; the report counts it as `<step>.<name>`.
 */
export type CheckSpec =
  | { name: string; status: number[] }
  | { name: string; header: string; matches?: string }
  | { name: string; body_contains: string }
  | { name: string; json: string; equals?: unknown; matches?: string };

/** A threshold as the config holds it: the expression, whether crossing it stops the run, and from when that is checked (ms). */
export interface ThresholdConfig {
  /** The expression as written (a trailing `!` included), e.g. `"p(95)<300ms"`. */
  threshold: string;
  /** Evaluated every timeline interval too; crossing it stops the run (reason `threshold`). A trailing `!` sets it. */
  abort_on_fail: boolean;
  /** With abort_on_fail: not evaluated during the first `delay` ms of the run. */
  delay: number;
}

/** The parsed configuration: snake_case keys as in the seed's JSON file, every duration in milliseconds. */
export interface EngineConfig {
  number_of_sessions: number;
  request_timeout: number;
  max_retries: number;
  max_redirects: number;
  target_url: string;
  proxy_file: string;
  proxy_max_failures: number;
  proxy_cooldown: number;
  proxy_max_cooldown: number;
  proxy_check_url: string;
  proxy_check_interval: number;
  proxy_from_env: boolean;
  max_idle_conns: number;
  max_idle_conns_per_host: number;
  max_conns_per_host: number;
  workers: number;
  /** Worker threads (`auto` resolved to `os.availableParallelism()`). */
  threads: number;
  /** A worker thread's young generation in MB (`resourceLimits.maxYoungGenerationSizeMb`); 0 = V8's default. */
  thread_young_generation_mb: number;
  duration: number;
  iterations: number;
  graceful_stop: number;
  /** ms of load before the load window, not in the results; 0 = none. */
  warmup: number;
  rate: number;
  stages: Stage[];
  headers: Record<string, string>;
  idle_conn_timeout: number;
  tls_handshake_timeout: number;
  insecure_tls: boolean;
  preconnect: boolean;
  log_level: LogLevel;
  metrics_interval: number;
  timeline_interval: number;
  method: string;
  body: string;
  scenario: ScenarioStep[];
  script: string;
  thresholds: ThresholdConfig[];
  session_state: string;
  session_state_interval: number;
  session_state_ttl: number;
  session_state_name: string;
  session_state_reset: boolean;
  /** The control API's port (0 = a free one); undefined = no control API. */
  control_port?: number | undefined;
  /** The address the control API binds to. */
  control_host: string;
  /** This process's shard of a run spread over several: `"<index>/<count>"` or `"auto/<count>"`; `""` = not sharded. */
  shard: string;
  /** With `shard`: the run's id, the same in every shard; `""` = none. */
  run_id: string;
  /** With `shard`: the common start time, ISO 8601 with a time zone; `""` = start when ready. */
  start_at: string;
  /** With `start_at`: a shard ready later than start_at plus this (ms) does not run; undefined = no limit. */
  max_start_lag?: number | undefined;
}

// ---------------------------------------------------------------------------
// Field schemas. Every message says what is expected, with an example.

/** Shows a rejected value in a message, briefly. */
function shown(input: unknown): string {
  if (input === undefined) return 'nothing (the key is missing)';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  if (typeof input === 'object') return 'an object';
  return `${String(input)} (${typeof input})`;
}

const always = { when: () => true } as const;

function integer(min: number, example: string) {
  const message = (issue: { input?: unknown }) => `must be a whole number ≥ ${min}, e.g. ${example}; got ${shown(issue.input)}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message });
}

function nonNegativeNumber(example: string) {
  const message = (issue: { input?: unknown }) => `must be a number ≥ 0, e.g. ${example}; got ${shown(issue.input)}`;
  return z.number({ error: message }).min(0, { error: message });
}

function text(what: string) {
  return z.string({ error: (issue) => `must be a string (${what}); got ${shown(issue.input)}` });
}

/** setTimeout fires at once for longer delays, so no duration may exceed it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function duration(options: { allowZero: boolean; example: string; minMs?: number }) {
  const hint = `e.g. "${options.example}" (a string with a unit) or a whole number of nanoseconds`;
  return z
    .union([z.number(), z.string()], { error: (issue) => `must be a duration, ${hint}; got ${shown(issue.input)}` })
    .transform((value, ctx) => {
      const fail = (code: string, message: string): never => {
        ctx.addIssue({ code: 'custom', message, input: value, params: { code } });
        return z.NEVER;
      };
      const parsed = tryParseDuration(value);
      if (!parsed.ok) return fail('invalid_duration', parsed.message);
      if (typeof value === 'number' && value > 0 && value < 1e6) {
        // Almost surely milliseconds or seconds meant as nanoseconds.
        const meant = value < 1000 ? `"${value}s"` : `"${value}ms"`;
        return fail(
          'invalid_duration',
          `${value} is read as nanoseconds (${formatDuration(parsed.ms)}), which is below 1ms; write a string with a unit, e.g. ${meant}`,
        );
      }
      if (parsed.ms === 0 && !options.allowZero) return fail('too_small', `must be greater than 0, ${hint}`);
      if (options.minMs !== undefined && parsed.ms < options.minMs) {
        return fail('too_small', `must be at least ${formatDuration(options.minMs)}; got ${formatDuration(parsed.ms)}`);
      }
      if (parsed.ms > MAX_TIMER_MS) return fail('too_big', `must be at most ${formatDuration(MAX_TIMER_MS)}`);
      return parsed.ms;
    });
}

/** A whole number >= 1, or "auto": one per core (`os.availableParallelism()`), resolved when parsed. */
function threadCount() {
  const message = (input: unknown): string => `must be a whole number ≥ 1 or "auto" (one per core), e.g. 4; got ${shown(input)}`;
  return z.union([z.number(), z.string()], { error: (issue) => message(issue.input) }).transform((value, ctx) => {
    if (value === 'auto') return availableParallelism();
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
    ctx.addIssue({ code: 'custom', message: message(value), input: value, params: { code: 'invalid_value' } });
    return z.NEVER;
  });
}

function httpUrl(options: { allowEmpty: boolean }) {
  return text('an absolute http(s) URL, e.g. "https://example.com"').superRefine((value, ctx) => {
    if (options.allowEmpty && value === '') return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(redactUrl(value))} is not an absolute URL; write one with a scheme and host, e.g. "https://example.com"`,
        params: { code: 'invalid_url' },
      });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `must use http or https, not "${url.protocol.slice(0, -1)}"`,
        params: { code: 'invalid_url' },
      });
    }
  });
}

/** RFC 9110 token: header names and methods. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const method = text('an HTTP method, e.g. "GET" or "POST"')
  .regex(TOKEN, { error: (issue) => `must be an HTTP method such as "GET" or "POST"; got ${shown(issue.input)}` })
  .transform((value) => value.toUpperCase());

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A map of header names to values, checked but kept as written (issues point at the key in the file). */
const headerMap = z
  .record(
    z.string(),
    z.string({ error: (issue) => `header values must be strings; got ${shown(issue.input)}` }),
    { error: (issue) => `must be an object of header names to values, e.g. {"user-agent": "engine/1"}; got ${shown(issue.input)}` },
  )
  .superRefine((raw, ctx) => {
    const value: unknown = raw;
    if (!isRecord(value)) return;
    for (const [name, headerValue] of Object.entries(value)) {
      if (!TOKEN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${JSON.stringify(name)} is not a valid header name (letters, digits and !#$%&'*+.^_\`|~- only)`,
          params: { code: 'invalid_header' },
        });
      } else if (typeof headerValue === 'string' && /[\r\n\0]/.test(headerValue)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'header values cannot contain CR, LF or NUL characters',
          params: { code: 'invalid_header' },
        });
      }
    }
  }, always);

/** Header names are case-insensitive: they are stored lowercase, a later spelling wins. */
function lowercaseNames(value: Record<string, string>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) lower[name.toLowerCase()] = headerValue;
  return lower;
}

const headers = headerMap.transform(lowercaseNames);

const stage = z.strictObject(
  {
    duration: duration({ allowZero: false, example: '30s' }),
    target: nonNegativeNumber('100'),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? `must be an object like {"duration": "30s", "target": 100}; got ${shown(issue.input)}` : undefined) },
);

const status = z
  .number({ error: (issue) => `must be an HTTP status code (100-599), e.g. 200; got ${shown(issue.input)}` })
  .int({ error: (issue) => `must be an HTTP status code (100-599), e.g. 200; got ${shown(issue.input)}` })
  .min(100, { error: (issue) => `must be an HTTP status code (100-599); got ${shown(issue.input)}` })
  .max(599, { error: (issue) => `must be an HTTP status code (100-599); got ${shown(issue.input)}` });

/** Checked by the parser the runner reads with, so what loads is what runs; its message is the issue's. */
const jsonPath = text('a JSON path such as "$.data.token"').superRefine((value, ctx) => {
  try {
    parseJsonPath(value);
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message, params: { code: 'invalid_format' } });
  }
});

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const capture = z
  .strictObject(
    {
      json: jsonPath.optional(),
      header: text('a header name such as "x-request-id"')
        .regex(TOKEN, { error: (issue) => `must be a header name such as "x-request-id"; got ${shown(issue.input)}` })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `must be {"json": "$.path.to.field"} or {"header": "name"}; got ${shown(issue.input)}`
          : undefined,
    },
  )
  .superRefine((raw, ctx) => {
    const value: unknown = raw;
    if (!isRecord(value)) return;
    const hasJson = value['json'] !== undefined;
    const hasHeader = value['header'] !== undefined;
    if (hasJson && hasHeader) {
      ctx.addIssue({
        code: 'custom',
        path: ['header'],
        message: 'set either "json" or "header", not both; use one capture per variable',
        params: { code: 'conflicting_keys' },
      });
    } else if (!hasJson && !hasHeader) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs {"json": "$.path.to.field"} or {"header": "name"}',
        params: { code: 'missing_key' },
      });
    }
  }, always)
  .transform((value): CaptureSpec => (value.json !== undefined ? { json: value.json } : { header: (value.header ?? '').toLowerCase() }));

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 256) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

/** A regular expression source, checked by compiling it (a check's `matches`). */
const regex = text('a regular expression, e.g. "^application/json"').superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
      params: { code: 'invalid_format' },
    });
  }
});

const CHECK_KINDS = ['status', 'header', 'body_contains', 'json'] as const;

/** The default name of a check: what it looks at. */
function checkName(check: Record<string, unknown>): string {
  if (check['status'] !== undefined) return 'status';
  if (typeof check['header'] === 'string') return `header ${check['header'].toLowerCase()}`;
  if (check['body_contains'] !== undefined) return 'body';
  return `json ${String(check['json'])}`;
}

const check = z
  .strictObject(
    {
      name: text('a label, e.g. "has token"').min(1, { error: 'must not be empty; remove it (a default is derived) or name the check' }).optional(),
      status: z
        .union([status, z.array(status).min(1, { error: 'must list at least one status code, e.g. [200, 201]' })], {
          error: (issue) => `must be a status code or a list of them, e.g. 200 or [200, 201]; got ${shown(issue.input)}`,
        })
        .optional(),
      header: text('a header name such as "content-type"')
        .regex(TOKEN, { error: (issue) => `must be a header name such as "content-type"; got ${shown(issue.input)}` })
        .optional(),
      body_contains: text('text the body must contain').optional(),
      json: jsonPath.optional(),
      equals: z
        .unknown()
        .refine((value) => isJsonValue(value), { error: 'must be a JSON value (object, array, string, finite number, boolean or null)' })
        .optional(),
      matches: regex.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `must be a check object like {"status": [200, 201]}, {"header": "content-type", "matches": "json"}, {"body_contains": "ok"} or {"json": "$.id", "equals": 1}; got ${shown(issue.input)}`
          : undefined,
    },
  )
  .superRefine((raw, ctx) => {
    const value: unknown = raw;
    if (!isRecord(value)) return;
    const kinds = CHECK_KINDS.filter((kind) => value[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        ...(kinds.length > 1 ? { path: [kinds[1]!] } : {}),
        message:
          kinds.length === 0
            ? 'needs one of "status", "header", "body_contains" or "json", e.g. {"status": [200, 201]}'
            : `set one of "status", "header", "body_contains" and "json" per check, not ${kinds.map((kind) => `"${kind}"`).join(' and ')}; write one check each`,
        params: { code: kinds.length === 0 ? 'missing_key' : 'conflicting_keys' },
      });
      return;
    }
    const kind = kinds[0];
    if (value['equals'] !== undefined && kind !== 'json') {
      ctx.addIssue({ code: 'custom', path: ['equals'], message: '"equals" goes with "json" (the value at a JSON path); remove it or use "json"', params: { code: 'conflicting_keys' } });
    }
    if (value['matches'] !== undefined && kind !== 'json' && kind !== 'header') {
      ctx.addIssue({ code: 'custom', path: ['matches'], message: '"matches" goes with "header" or "json"; for the body use "body_contains"', params: { code: 'conflicting_keys' } });
    }
    if (value['matches'] !== undefined && value['equals'] !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['matches'], message: 'set either "equals" or "matches", not both; write two checks', params: { code: 'conflicting_keys' } });
    }
  }, always)
  .transform((value): CheckSpec => {
    const name = value.name ?? checkName(value);
    if (value.status !== undefined) return { name, status: typeof value.status === 'number' ? [value.status] : value.status };
    if (value.header !== undefined) return { name, header: value.header.toLowerCase(), ...(value.matches !== undefined ? { matches: value.matches } : {}) };
    if (value.body_contains !== undefined) return { name, body_contains: value.body_contains };
    return {
      name,
      json: value.json ?? '$',
      ...(value.equals !== undefined ? { equals: value.equals } : {}),
      ...(value.matches !== undefined ? { matches: value.matches } : {}),
    };
  });

const scenarioStep = z
  .strictObject(
    {
      name: text('a label for metrics, e.g. "login"').min(1, { error: 'must not be empty; remove it or name the step, e.g. "login"' }).optional(),
      method: method.default('GET'),
      path: text('a path relative to target_url, e.g. "/login"')
        .startsWith('/', { error: (issue) => `must start with "/", e.g. "/login"; got ${shown(issue.input)}` })
        .optional(),
      url: httpUrl({ allowEmpty: false }).optional(),
      // Lowercased by the final transform, after the template check has located issues by the names as written.
      headers: headerMap.optional(),
      body: text('the request body').optional(),
      json: z
        .unknown()
        .refine((value) => isJsonValue(value), { error: 'must be a JSON value (object, array, string, finite number, boolean or null)' })
        .optional(),
      expect_status: z
        .union([status, z.array(status).min(1, { error: 'must list at least one status code, e.g. [200, 302]' })], {
          error: (issue) => `must be a status code or a list of them, e.g. 200 or [200, 302]; got ${shown(issue.input)}`,
        })
        .optional(),
      capture: z
        .record(
          z.string().regex(VARIABLE, {
            error: (issue) => `variable names are letters, digits and "_", not starting with a digit; got ${shown(issue.input)}`,
          }),
          capture,
          { error: (issue) => `must map variable names to captures, e.g. {"token": {"json": "$.token"}}; got ${shown(issue.input)}` },
        )
        .optional(),
      once: z
        .boolean({ error: (issue) => `must be true or false (true runs the step only in a session's first iteration); got ${shown(issue.input)}` })
        .optional(),
      checks: list(check, '[{"status": [200, 201]}]').optional(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `must be a step object like {"method": "GET", "path": "/"}; got ${shown(issue.input)}`
          : undefined,
    },
  )
  .superRefine((value, ctx) => {
    // Runs even when keys failed, so the value may be raw input.
    const step: unknown = value;
    if (!isRecord(step)) return;
    const has = (key: string) => step[key] !== undefined;
    if (has('path') && has('url')) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'set either "path" (relative to target_url) or "url" (absolute), not both',
        params: { code: 'conflicting_keys' },
      });
    } else if (!has('path') && !has('url')) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs a "path" (relative to target_url, e.g. "/login") or a "url" (absolute)',
        params: { code: 'missing_key' },
      });
    }
    const checks = step['checks'];
    if (Array.isArray(checks)) {
      const seen = new Set<string>();
      checks.forEach((entry: unknown, index) => {
        if (!isRecord(entry) || CHECK_KINDS.filter((kind) => entry[kind] !== undefined).length !== 1) return;
        const name = typeof entry['name'] === 'string' ? entry['name'] : checkName(entry);
        if (seen.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['checks', index, 'name'],
            message: `another check of this step is named ${JSON.stringify(name)}; give each check its own "name" (the report counts them by name)`,
            params: { code: 'duplicate_name' },
          });
        }
        seen.add(name);
      });
    }
    if (has('body') && has('json')) {
      ctx.addIssue({
        code: 'custom',
        path: ['json'],
        message: 'set either "body" (raw text) or "json" (sent as application/json), not both',
        params: { code: 'conflicting_keys' },
      });
    }
  }, always);

/**
 * One threshold: an expression string (a trailing `!` aborts on fail) or
 * `{"threshold": "...", "abort_on_fail": true, "delay": "10s"}`. Checked here by the
 * parser the runner evaluates with, so what loads is what runs.
 */
const threshold = z.unknown().transform((value, ctx): ThresholdConfig => {
  const issue = (message: string, code: string, path: (string | number)[] = []): never => {
    ctx.addIssue({ code: 'custom', path, message, input: value, params: { code } });
    return z.NEVER;
  };
  const example = '"p(95)<300ms" or {"threshold": "error_rate<1%", "abort_on_fail": true, "delay": "10s"}';
  const expression = (text: unknown, path: (string | number)[]): { abort: boolean } => {
    if (typeof text !== 'string') return issue(`must be a threshold expression string, e.g. "p(95)<300ms"; got ${shown(text)}`, 'invalid_type', path);
    try {
      return { abort: parseThreshold(text).abortOnFail };
    } catch (error) {
      if (!(error instanceof ThresholdError)) throw error;
      return issue(error.message, 'invalid_threshold', path);
    }
  };
  if (typeof value === 'string') {
    const { abort } = expression(value, []);
    return { threshold: value.trim(), abort_on_fail: abort, delay: 0 };
  }
  if (!isRecord(value)) return issue(`must be a threshold, e.g. ${example}; got ${shown(value)}`, 'invalid_type');
  for (const key of Object.keys(value)) {
    if (key !== 'threshold' && key !== 'abort_on_fail' && key !== 'delay') {
      issue(`unknown key ${JSON.stringify(key)} in a threshold; the keys are "threshold", "abort_on_fail" and "delay"`, 'unknown_key', [key]);
    }
  }
  const { abort } = expression(value['threshold'], ['threshold']);
  const abortOnFail = value['abort_on_fail'];
  if (abortOnFail !== undefined && typeof abortOnFail !== 'boolean') issue(`must be true or false; got ${shown(abortOnFail)}`, 'invalid_type', ['abort_on_fail']);
  let delay = 0;
  if (value['delay'] !== undefined) {
    const parsed = tryParseDuration(value['delay']);
    if (!parsed.ok) issue(parsed.message, 'invalid_duration', ['delay']);
    else if (parsed.ms > MAX_TIMER_MS) issue(`must be at most ${formatDuration(MAX_TIMER_MS)}`, 'too_big', ['delay']);
    else delay = parsed.ms;
  }
  const text = value['threshold'];
  if (typeof text !== 'string') return z.NEVER;
  return { threshold: text.trim(), abort_on_fail: abortOnFail === true || abort, delay };
});

const logLevel = z.enum(['debug', 'info', 'warn', 'error'], {
  error: (issue) => `must be one of "debug", "info", "warn", "error"; got ${shown(issue.input)}`,
});

function list<T extends z.ZodType>(element: T, example: string) {
  return z.array(element, { error: (issue) => `must be a list, e.g. ${example}; got ${shown(issue.input)}` });
}

const boolean = z.boolean({ error: (issue) => `must be true or false; got ${shown(issue.input)}` });

/** A file path, or a redis:// / rediss:// URL; any other scheme is a mistake, not a file named "http:". */
const sessionStateLocation = text('a file path or a redis:// URL').superRefine((value, ctx) => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return;
  const fail = (message: string): void => void ctx.addIssue({ code: 'custom', message, params: { code: 'invalid_url' } });
  if (scheme !== 'redis' && scheme !== 'rediss') return fail(`must be a file path or a redis:// (rediss://) URL, not "${scheme}://"; e.g. "state.json" or "redis://127.0.0.1:6379"`);
  try {
    new URL(value);
  } catch {
    fail(`${JSON.stringify(redactUrl(value))} is not a valid Redis URL; e.g. "redis://127.0.0.1:6379" or "redis://:password@host:6379/0"`);
  }
});

function port(example: string) {
  const message = (issue: { input?: unknown }) => `must be a port number from 0 to 65535 (0 = a free port), e.g. ${example}; got ${shown(issue.input)}`;
  return z.number({ error: message }).int({ error: message }).min(0, { error: message }).max(65_535, { error: message });
}

/** A host name or an IP address to bind to: no scheme, no port. */
const bindHost = text('a host name or IP address, e.g. "127.0.0.1"').regex(/^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/, {
  error: (issue) => `must be a host name or an IP address to listen on, without scheme or port, e.g. "127.0.0.1" or "::1"; got ${shown(issue.input)}`,
});

const stateName = text('a name').regex(/^[A-Za-z0-9._-]{1,100}$/, {
  error: (issue) => `must be 1-100 letters, digits, ".", "_" or "-", e.g. "checkout-test"; got ${shown(issue.input)}`,
});

/** `<index>/<count>` (0-based) or `auto/<count>`; `""` = not sharded. */
const shardSpec = text('a shard, e.g. "1/3"').superRefine((value, ctx) => {
  if (value === '') return;
  const match = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/i.exec(value);
  const count = Number(match?.[2]);
  const index = match?.[1]?.toLowerCase() === 'auto' ? 0 : Number(match?.[1]);
  if (match === null || count < 1 || index >= count) {
    ctx.addIssue({
      code: 'custom',
      message: `must be "<index>/<count>" with 0 <= index < count (0-based, e.g. "1/3"), or "auto/<count>" to read the index from JOB_COMPLETION_INDEX; got ${shown(value)}`,
      params: { code: 'invalid_format' },
    });
  }
});

const runId = text('a run id').regex(/^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
  error: (issue) => `must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "nightly-42"; got ${shown(issue.input)}`,
});

/** An ISO 8601 time with a time zone, so every machine reads the same instant; `""` = none. */
const startTime = text('an ISO 8601 time').superRefine((value, ctx) => {
  if (value === '') return;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim()) && !Number.isNaN(Date.parse(value.trim()));
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 time with a time zone, e.g. "2026-11-28T12:00:00Z"; got ${shown(value)}`, params: { code: 'invalid_format' } });
  }
});

/**
 * The top-level keys. Defaults are output values (milliseconds for durations):
 * zod does not parse a default.
 */
export const configShape = {
  number_of_sessions: integer(1, '500').default(500).describe('Sessions to create and keep running concurrently, each with its own connections and cookie jar. Keep at or below ~2000 per process (file descriptors).'),
  request_timeout: duration({ allowZero: false, example: '30s' }).default(30_000).describe('Deadline for one whole request: connect, proxy tunnel, TLS, send, and reading the full response.'),
  max_retries: integer(0, '3').default(3).describe('Retries of a failed request (with back-off) before it counts as a failure; 0 = no retries.'),
  max_redirects: integer(0, '10')
    .default(10)
    .describe(
      'Redirects (301, 302, 303, 307, 308) a request follows, through its own session (cookies included); one request_timeout covers the whole chain. More fail as redirect_loop; 0 = the redirect is the response.',
    ),
  target_url: httpUrl({ allowEmpty: true }).default('').describe('Base URL of the default job and of scenario steps with a "path". Empty = no default request.'),
  proxy_file: text('a file path').default('').describe('Path to a newline-delimited proxy list ("#" comments, an optional weight=<n> after a URL); empty = direct connections. SIGHUP re-reads it during a run.'),
  proxy_max_failures: integer(1, '3')
    .default(3)
    .describe("Connection failures in a row (the failure kinds that count against a proxy) that open a proxy's circuit: its sessions move to the next healthy proxy and it is skipped for proxy_cooldown."),
  proxy_cooldown: duration({ allowZero: true, example: '30s' })
    .default(30_000)
    .describe("How long an open proxy is skipped; then one probe request decides (a success closes its circuit, a failure re-opens it with the cool-down doubled). 0 = circuits never open."),
  proxy_max_cooldown: duration({ allowZero: true, example: '5m' })
    .default(300_000)
    .describe('The longest cool-down the doubling reaches (a value below proxy_cooldown counts as proxy_cooldown).'),
  proxy_check_url: httpUrl({ allowEmpty: true })
    .default('')
    .describe('Active health checks: every proxy_check_interval, a GET of this URL through each proxy whose circuit is open or half-open; any response closes its circuit. Empty = passive health only (probe requests of sessions).'),
  proxy_check_interval: duration({ allowZero: false, example: '10s', minMs: 100 })
    .default(10_000)
    .describe('How often proxy_check_url is fetched through the unhealthy proxies (at least 100ms).'),
  proxy_from_env: boolean
    .default(false)
    .describe('Take proxies from the environment, per target URL: HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY for both, none for hosts in NO_PROXY (either case). Not with proxy_file (a proxy file can use a PAC file instead).'),
  max_idle_conns: integer(1, '500').default(500).describe('Accepted for seed compatibility and not used: undici keeps each open connection alive until idle_conn_timeout; max_conns_per_host bounds them.'),
  max_idle_conns_per_host: integer(1, '100').default(100).describe('Accepted for seed compatibility and not used: see max_idle_conns.'),
  max_conns_per_host: integer(1, '200').default(200).describe('Connections (idle + active) per session and host.'),
  workers: integer(1, '500').optional().describe('Worker slots running jobs concurrently; defaults to number_of_sessions.'),
  threads: threadCount()
    .default(1)
    .describe(
      'Worker threads (node:worker_threads) the run is split across, to use more than one core: sessions, workers and the iteration budget are divided among them (remainder to the first), the open model\'s arrivals interleaved; the report is the merged run. "auto" = one per core (os.availableParallelism()).',
    ),
  thread_young_generation_mb: integer(0, '96')
    .default(0)
    .describe(
      "With threads > 1: each worker thread's young generation in MB (its resourceLimits.maxYoungGenerationSizeMb, about 3x the semi-space; V8 rounds to 48, 96, 192, ...). A larger one can mean fewer scavenges at many sessions, at the cost of memory per thread. 0 = V8's default (48 on Node 20).",
    ),
  duration: duration({ allowZero: true, example: '5m' }).default(0).describe('How long to run; 0 = until stopped or iterations are done.'),
  iterations: integer(0, '1000').default(0).describe('Total job runs before stopping; 0 = unlimited.'),
  graceful_stop: duration({ allowZero: true, example: '30s' })
    .default(30_000)
    .describe(
      "After a stop (duration reached, iterations done, first SIGINT/SIGTERM, or the run's signal aborted) in-flight iterations get this long to finish; then in-flight requests are aborted, counted as failed with error kind `interrupted`, and the run ends. 0 = abort them at once.",
    ),
  warmup: duration({ allowZero: true, example: '5s' })
    .default(0)
    .describe(
      "Load to run before the load window, not in the results: the run's own job, sessions and schedule (its first `warmup` of rate and stages) for this long, so the window starts with the engine's code optimised and the target's caches warm. Part of the report's startup; the report's warmup block counts its requests (the target sees them). Not counted towards iterations, thresholds or the timeline. 0 = none.",
    ),
  rate: nonNegativeNumber('50').default(0).describe('Open model: job starts per second, independent of response times; 0 = closed model (each session loops).'),
  stages: list(stage, '[{"duration": "30s", "target": 100}]').default(() => []).describe('Ramp profile: each stage moves linearly to its target (sessions, or starts/s when rate > 0) over its duration.'),
  headers: headers.default(() => ({})).describe('Headers sent with every request (names are stored lowercase).'),
  idle_conn_timeout: duration({ allowZero: false, example: '90s' }).default(90_000).describe('How long an idle keep-alive connection is kept open.'),
  tls_handshake_timeout: duration({ allowZero: false, example: '10s' }).default(10_000).describe('A separate, usually smaller deadline for connecting alone (TCP, proxy handshake, TLS); request_timeout still bounds the whole request, connecting included.'),
  insecure_tls: boolean.default(false).describe('Accept invalid TLS certificates (testing only).'),
  preconnect: boolean
    .default(true)
    .describe(
      "Open each session's first connection to target_url (TCP, TLS, SOCKS handshake or HTTP(S) proxy tunnel) before the load starts, as part of the report's startup, so the load window does not begin with a connect storm. Nothing is sent on it. Sessions added while the run goes on connect on their first request. A failed pre-connect is logged, not counted as a failure.",
    ),
  log_level: logLevel.default('info').describe('Least severe log level written: debug, info, warn or error.'),
  metrics_interval: duration({ allowZero: false, example: '10s' }).default(10_000).describe('How often the metrics monitor reports.'),
  timeline_interval: duration({ allowZero: false, example: '1s', minMs: 100 })
    .default(1_000)
    .describe("Length of one entry of the report's timeline (at least 100ms)."),
  method: method.default('GET').describe('HTTP method of the default job (one request to target_url).'),
  body: text('the request body').default('').describe('Request body of the default job.'),
  scenario: list(scenarioStep, '[{"method": "GET", "path": "/"}]').default(() => []).describe('Ordered request steps run as one job per iteration, with status expectations and captured variables.'),
  script: text('a file path').default('').describe('Path to a job module (exports a job function); replaces the default job and scenario.'),
  thresholds: list(threshold, '["p(95)<300ms", "error_rate<1%"]')
    .default(() => [])
    .describe(
      'Pass/fail criteria evaluated on the final report: "<metric>[{step:<name>}] <op> <value>", e.g. "p(95)<300ms", "error_rate<1%"; a crossed one makes engine run exit 99. A trailing "!" (or {"threshold": "...", "abort_on_fail": true, "delay": "10s"}) also stops the run when crossed (reason threshold). Thresholds from every layer add up.',
    ),
  session_state: sessionStateLocation
    .default('')
    .describe(
      "Where sessions' state (cookie jar, captured variables, proxy, completed once steps) persists between runs: a JSON file path, or a redis:// (rediss://) URL. Session k restores what was saved for k before the load starts; sessions with nothing saved start fresh. Empty = no persistence.",
    ),
  session_state_interval: duration({ allowZero: true, example: '30s' })
    .default(30_000)
    .describe('How often session_state is saved during the run (it is always saved at the end, also after a forced stop, best effort); 0 = only at the end.'),
  session_state_ttl: duration({ allowZero: true, example: '24h' })
    .default(0)
    .describe("Redis only: each session's key expires this long after its last save; 0 = never."),
  session_state_name: stateName
    .default('default')
    .describe('The run name in Redis keys, session-engine:<name>:<id>: runs with different names keep separate identities in one Redis. Letters, digits, ".", "_", "-".'),
  session_state_reset: boolean
    .default(false)
    .describe('Start fresh: restore nothing from session_state and overwrite it (a file is rewritten; Redis keys of session_state_name are deleted).'),
  control_port: port('6565')
    .optional()
    .describe(
      'Serve the control API (status, live changes of sessions, rate, pause and log level, stop, report, events; see docs/control-api.md) on this port while the run goes on; 0 = a free port (logged). Unset = no control API. Every request needs the bearer token from SESSION_ENGINE_CONTROL_TOKEN (or the one generated and printed once on stderr).',
    ),
  control_host: bindHost
    .default('127.0.0.1')
    .describe('The address the control API listens on: loopback by default. Anything else exposes it beyond this machine and is logged as a warning; put it behind TLS (docs/control-api.md).'),
  shard: shardSpec
    .default('')
    .describe(
      'Run one shard of a run spread over several processes or machines: "<index>/<count>" (0-based), or "auto/<count>" to read the index from JOB_COMPLETION_INDEX (as a Kubernetes Indexed Job sets it). The shard does its share exactly as a thread would (with threads T per shard, the parts are those of a run of count*T threads); merge the shards\' reports with engine report merge (docs/distributed.md). Empty = not sharded.',
    ),
  run_id: runId.default('').describe('With shard: the run id, the same for every shard; recorded in the report, and engine report merge refuses reports of different runs.'),
  start_at: startTime
    .default('')
    .describe('With shard: start the load at this ISO 8601 time with a time zone (e.g. "2026-11-28T12:00:00Z"), once the sessions exist; give every shard the same. Empty = start when ready.'),
  max_start_lag: duration({ allowZero: true, example: '30s' })
    .optional()
    .describe('With start_at: a shard ready later than start_at plus this does not run, and engine run exits 75. Unset = no limit (a late shard starts at once, with a warning).'),
};

export type ConfigKey = keyof typeof configShape;

/**
 * The schema of one top-level key, without its default: checks a value of it
 * elsewhere (the runner's control API) with the config's own messages. It
 * takes the input form (durations as strings or ns) and outputs the parsed
 * value (ms).
 */
export function configValueSchema<K extends ConfigKey>(key: K): z.ZodType<Exclude<EngineConfig[K], undefined>> {
  const field: z.ZodType = configShape[key];
  const inner = field instanceof z.ZodDefault || field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
  return inner as z.ZodType<Exclude<EngineConfig[K], undefined>>;
}

/** The config object the schema checks, before the cross-field rules and `workers` defaulting. */
const configObject = z.strictObject(configShape, {
  error: (issue) =>
    issue.code === 'invalid_type' ? `the configuration must be a JSON object ({ ... }); got ${shown(issue.input)}` : undefined,
});

/**
 * Schema of the whole configuration: accepts the seed's JSON file as is (snake_case,
 * nanosecond durations) plus duration strings; output is an {@link EngineConfig}
 * with durations in milliseconds.
 */
export const engineConfigSchema = configObject
  .superRefine((value, ctx) => {
    const config: unknown = value;
    if (!isRecord(config)) return;
    // Runs even when other keys failed, so read defensively: values may be raw.
    const targetUrl = config['target_url'];
    const scenario = config['scenario'];
    if ((targetUrl === undefined || targetUrl === '') && Array.isArray(scenario)) {
      scenario.forEach((step: unknown, index) => {
        if (isRecord(step) && typeof step['path'] === 'string') {
          ctx.addIssue({
            code: 'custom',
            path: ['scenario', index, 'path'],
            message: 'a relative "path" needs target_url; set target_url or give the step an absolute "url"',
            params: { code: 'missing_key' },
          });
        }
      });
    }
    const script = config['script'];
    if (typeof script === 'string' && script !== '' && Array.isArray(scenario) && scenario.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['script'],
        message: 'set either "script" or "scenario", not both: a script replaces the scenario',
        params: { code: 'conflicting_keys' },
      });
    }
    // Checked even with a script set: the scenario is then not run, but a broken one is still a mistake.
    for (const issue of scenarioTemplateIssues(scenario)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { code: 'unknown_variable' } });
    }
    const proxyFile = config['proxy_file'];
    if (config['proxy_from_env'] === true && typeof proxyFile === 'string' && proxyFile !== '') {
      ctx.addIssue({
        code: 'custom',
        path: ['proxy_from_env'],
        message: 'set either proxy_from_env (proxies from HTTP_PROXY/HTTPS_PROXY/NO_PROXY) or proxy_file, not both; a proxy file can route per target URL with a pac+file:// line',
        params: { code: 'conflicting_keys' },
      });
    }
    const stateTtl = config['session_state_ttl'];
    const stateLocation = config['session_state'];
    if (typeof stateTtl === 'number' && stateTtl > 0 && typeof stateLocation === 'string' && !/^rediss?:\/\//i.test(stateLocation)) {
      ctx.addIssue({
        code: 'custom',
        path: ['session_state_ttl'],
        message: stateLocation === '' ? 'needs session_state (a redis:// URL)' : 'applies to Redis only: session_state is a file here; drop session_state_ttl or use a redis:// URL',
        params: { code: 'conflicting_keys' },
      });
    }
    const unset = (key: string): boolean => config[key] === undefined || config[key] === '';
    if (unset('shard')) {
      for (const key of ['run_id', 'start_at', 'max_start_lag'] as const) {
        if (!unset(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'goes with shard ("<index>/<count>"); set shard (e.g. "0/1" for a single process), or drop it', params: { code: 'missing_key' } });
      }
    } else if (!unset('max_start_lag') && unset('start_at')) {
      ctx.addIssue({ code: 'custom', path: ['max_start_lag'], message: 'is measured from start_at; set start_at, or drop max_start_lag', params: { code: 'missing_key' } });
    }
    for (const issue of thresholdStepIssues(config['thresholds'], scenario, typeof script === 'string' && script !== '')) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { code: 'unknown_step' } });
    }
  }, always)
  .transform((config): EngineConfig => {
    // Rebuilt in schema order so printed configs read like the docs.
    const scenario = config.scenario.map((step) => (step.headers === undefined ? step : { ...step, headers: lowercaseNames(step.headers) }));
    const full: EngineConfig = { ...config, scenario, workers: config.workers ?? config.number_of_sessions };
    const ordered: Record<string, unknown> = {};
    for (const key of Object.keys(configShape) as ConfigKey[]) ordered[key] = full[key];
    return ordered as unknown as EngineConfig;
  });

/** A scenario step's name in reports: its `name`, or `"<n>. <METHOD> <path or url>"`. */
export function stepName(step: { name?: string | undefined; method?: string | undefined; path?: string | undefined; url?: string | undefined }, index: number): string {
  return step.name ?? `${index + 1}. ${(step.method ?? 'GET').toUpperCase()} ${step.path ?? step.url ?? ''}`;
}

/**
 * Thresholds on a step the run cannot have: a step missing from the scenario, or any step with
 * the default job (one request, no steps). With a script, steps are named as it runs, so they
 * are not checked here (the runner reports a step that never ran).
 */
function thresholdStepIssues(thresholds: unknown, scenario: unknown, hasScript: boolean): { path: (string | number)[]; message: string }[] {
  if (!Array.isArray(thresholds) || hasScript) return [];
  const steps = Array.isArray(scenario) ? scenario : [];
  // Raw input: only string fields count (a bad one is reported by the step's own checks).
  const field = (step: unknown, key: string): string | undefined => (isRecord(step) && typeof step[key] === 'string' ? step[key] : undefined);
  const names = steps.map((step: unknown, index) =>
    stepName({ name: field(step, 'name') || undefined, method: field(step, 'method'), path: field(step, 'path'), url: field(step, 'url') }, index),
  );
  const issues: { path: (string | number)[]; message: string }[] = [];
  thresholds.forEach((entry: unknown, index) => {
    const text = isRecord(entry) ? entry['threshold'] : entry;
    if (typeof text !== 'string') return;
    let step: string | undefined;
    try {
      step = parseThreshold(text).step;
    } catch {
      return; // reported by the element's own check
    }
    if (step === undefined || names.includes(step)) return;
    // The entry, whichever form it was written in (this runs on the transformed list when every key is valid).
    const path = ['thresholds', index];
    const message =
      names.length === 0
        ? `threshold ${JSON.stringify(text.trim())} names step ${JSON.stringify(step)}, but there are no steps: the default job sends one request to target_url; define a "scenario" (or a "script") or drop {step:...}`
        : `threshold ${JSON.stringify(text.trim())} names step ${JSON.stringify(step)}, which is not in the scenario; steps: ${names.map((name) => JSON.stringify(name)).join(', ')}`;
    issues.push({ path, message });
  });
  return issues;
}

/** What callers may pass (file, overrides): like {@link EngineConfig}, all optional, durations as ns numbers or strings. */
export type ConfigInput = z.input<typeof engineConfigSchema>;
