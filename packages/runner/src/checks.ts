/**
 * A scenario step's `checks`, compiled once per scenario and run on every
 * response the step receives: each outcome is counted under
 * `<step>.<name>` through `ctx.check()`. A failed check fails neither the
 * request nor the iteration.
 */
import { parseJsonPath, readJsonPath, type CheckSpec, type JsonPathSegment } from '@session-engine/config';
import type { JobContext } from '@session-engine/scheduler';
import type { SessionResponse } from '@session-engine/session';

/** A check ready to run: its report name and a predicate on the response. */
export interface CompiledCheck {
  /** `<step>.<name>`. */
  readonly key: string;
  readonly test: (response: SessionResponse, parsed: ParsedBody) => boolean;
}

/** The body parsed as JSON at most once per response, shared by the step's JSON checks. */
export interface ParsedBody {
  json(): { ok: true; value: unknown } | { ok: false };
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jsonEquals(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && jsonEquals(left[key], right[key]));
}

/** A JSON value as text for `matches`: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function compileOne(check: CheckSpec, step: string): CompiledCheck {
  const key = `${step}.${check.name}`;
  if ('status' in check) {
    const statuses = new Set(check.status);
    return { key, test: (response) => statuses.has(response.status) };
  }
  if ('header' in check) {
    const name = check.header;
    const pattern = check.matches === undefined ? undefined : new RegExp(check.matches);
    return {
      key,
      test: (response) => {
        const value = response.headers[name];
        if (value === undefined) return false;
        if (pattern === undefined) return true;
        return (Array.isArray(value) ? value : [value]).some((one) => pattern.test(one));
      },
    };
  }
  if ('body_contains' in check) {
    const needle = check.body_contains;
    return { key, test: (response) => response.body.includes(needle) };
  }
  const path: readonly JsonPathSegment[] = parseJsonPath(check.json);
  const pattern = check.matches === undefined ? undefined : new RegExp(check.matches);
  const hasEquals = 'equals' in check && check.equals !== undefined;
  const expected = check.equals;
  return {
    key,
    test: (_response, parsed) => {
      const body = parsed.json();
      if (!body.ok) return false;
      const value = readJsonPath(body.value, path);
      if (hasEquals) return jsonEquals(value, expected);
      if (value === undefined) return false;
      if (pattern !== undefined) return pattern.test(asText(value));
      return value !== null;
    },
  };
}

export function compileChecks(checks: readonly CheckSpec[], step: string): CompiledCheck[] {
  return checks.map((check) => compileOne(check, step));
}

/** Runs a step's checks on one response, counting each through `ctx.check`. */
export function runChecks(checks: readonly CompiledCheck[], response: SessionResponse, ctx: Pick<JobContext, 'check'>): void {
  let body: { ok: true; value: unknown } | { ok: false } | undefined;
  const parsed: ParsedBody = {
    json: () => {
      if (body === undefined) {
        try {
          body = { ok: true, value: JSON.parse(response.text()) as unknown };
        } catch {
          body = { ok: false };
        }
      }
      return body;
    },
  };
  for (const check of checks) {
    let ok: boolean;
    try {
      ok = check.test(response, parsed);
    } catch {
      ok = false;
    }
    ctx.check(check.key, ok);
  }
}
