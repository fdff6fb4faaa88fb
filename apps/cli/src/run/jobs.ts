/**
 * What each session does per iteration: the default single request, a
 * config `scenario`, or a user `--script` module.
 */
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EngineConfig, ScenarioStep } from '@session-engine/config';
import { ExpectationError, RequestFailedError, type Job, type JobContext } from '@session-engine/scheduler';
import type { Session } from '@session-engine/session';
import { readJsonPath, renderJson, renderString, stringifyCapture } from './template.js';
import { CliError } from './cli-error.js';

/** Failure reasons by text, for the summary (a failed expectation says why). */
export class FailureReasons {
  readonly #counts = new Map<string, number>();
  #kinds = 0;
  #total = 0;
  static readonly MAX_KINDS = 100;

  /** Failed iterations so far. */
  get total(): number {
    return this.#total;
  }

  add(reason: string): void {
    this.#total += 1;
    const current = this.#counts.get(reason);
    if (current !== undefined) this.#counts.set(reason, current + 1);
    else if (this.#kinds < FailureReasons.MAX_KINDS) {
      this.#counts.set(reason, 1);
      this.#kinds += 1;
    } else this.#counts.set('(other reasons)', (this.#counts.get('(other reasons)') ?? 0) + 1);
  }

  get counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }
}

export class StepFailure extends Error {
  readonly code = 'SE_ERR_CLI_STEP';

  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

/**
 * A failure reason that groups: the same failure in every session reads the
 * same (no session id, no per-session URL), so the summary counts kinds, not
 * sessions.
 */
export function reasonOf(error: unknown): string {
  if (error instanceof ExpectationError) {
    return `${error.step ?? error.url}: expected status ${error.expected.join(' or ')}, got ${error.status}`;
  }
  if (error instanceof RequestFailedError) {
    const cause = error.cause as { method?: unknown; url?: unknown } | undefined;
    const what = error.step ?? (typeof cause?.url === 'string' ? `${String(cause.method ?? 'GET')} ${cause.url}` : 'request');
    return `${what}: no response (${error.kind}) after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Records why an iteration failed, then rethrows so the scheduler counts it. */
export function withFailureReasons(job: Job, reasons: FailureReasons): Job {
  const record = (error: unknown): never => {
    reasons.add(reasonOf(error));
    throw error;
  };
  // Not an async wrapper: an iteration in flight keeps one promise reaction alive, not a suspended frame.
  return (session, ctx) => {
    let outcome: Promise<void> | void;
    try {
      outcome = job(session, ctx);
    } catch (error) {
      reasons.add(reasonOf(error));
      return Promise.reject(error as Error);
    }
    return outcome === undefined ? undefined : Promise.resolve(outcome).then(undefined, record);
  };
}

/** Default job: one request to target_url with the configured method and body. */
export function defaultJob(config: EngineConfig): Job {
  const request = {
    method: config.method,
    url: config.target_url,
    ...(config.body ? { body: config.body } : {}),
  };
  const done = (): void => undefined;
  return (_session, ctx) => ctx.request(request).then(done);
}

export function stepName(step: ScenarioStep, index: number): string {
  return step.name ?? `${index + 1}. ${step.method ?? 'GET'} ${step.path ?? step.url ?? ''}`;
}

/** Variables visible to templates: captures plus built-ins. */
function variablesOf(session: Session, ctx: JobContext): Map<string, string> {
  const vars = new Map(session.variables);
  vars.set('session_id', String(session.id));
  vars.set('iteration', String(ctx.iteration));
  return vars;
}

/** Scenario job: ordered steps with expectations and captures into session variables. */
export function scenarioJob(steps: readonly ScenarioStep[]): Job {
  const names = steps.map(stepName);
  // Once-steps each session has completed (kept outside the user's variables).
  const completed = new WeakMap<Session, Set<number>>();
  return async (session, ctx) => {
    let done = completed.get(session);
    for (let i = 0; i < steps.length; i += 1) {
      const step = steps[i]!;
      if (step.once && done?.has(i)) continue;
      const name = names[i]!;
      const where = `scenario[${i}] (${name})`;
      const vars = variablesOf(session, ctx);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(step.headers ?? {})) headers[key] = renderString(value, vars, `${where}.headers.${key}`);
      const response = await ctx.request(
        {
          method: step.method ?? 'GET',
          ...(step.url !== undefined ? { url: renderString(step.url, vars, `${where}.url`) } : {}),
          ...(step.path !== undefined ? { path: renderString(step.path, vars, `${where}.path`) } : {}),
          headers,
          ...(step.body !== undefined ? { body: renderString(step.body, vars, `${where}.body`) } : {}),
          ...(step.json !== undefined ? { json: renderJson(step.json, vars, `${where}.json`) } : {}),
        },
        { step: name, ...(step.expect_status !== undefined ? { expectStatus: step.expect_status } : {}) },
      );
      for (const [variable, source] of Object.entries(step.capture ?? {})) {
        let value: unknown;
        if ('header' in source) {
          value = response.headers[source.header.toLowerCase()];
          if (Array.isArray(value)) value = value[0];
        } else {
          let document: unknown;
          try {
            document = response.json();
          } catch {
            throw new StepFailure(`${name}: capture "${variable}" needs a JSON body but the response (status ${response.status}) is not JSON`);
          }
          value = readJsonPath(document, source.json);
        }
        if (value === undefined || value === null) {
          const from = 'header' in source ? `header "${source.header}"` : `JSON path ${source.json}`;
          throw new StepFailure(`${name}: capture "${variable}" found nothing at ${from} (status ${response.status})`);
        }
        session.variables.set(variable, stringifyCapture(value));
      }
      if (step.once) {
        if (done === undefined) completed.set(session, (done = new Set()));
        done.add(i);
      }
    }
  };
}

/** Loads `--script`: a module whose default export is `async (session, context) => {}`. */
export async function loadScriptJob(path: string): Promise<Job> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new CliError(`script not found: ${path} (resolved to ${absolute}); check the path given to --script or "script" in the config`, 'SE_ERR_CLI_SCRIPT_NOT_FOUND');
  }
  let module: { default?: unknown };
  try {
    if (/\.(c|m)?ts$/.test(absolute)) {
      // TypeScript scripts: loaded through tsx only when needed (Node 20 cannot strip types itself).
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown };
    } else {
      module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
    }
  } catch (error) {
    throw new CliError(`script ${path} failed to load: ${reasonOf(error)}; fix the error in the script (run it with node to see the full stack)`, 'SE_ERR_CLI_SCRIPT_LOAD', { cause: error });
  }
  let job = module.default;
  // A .ts file outside a "type": "module" package is compiled as CommonJS, so
  // its default export arrives one level down.
  if (job !== null && typeof job === 'object' && typeof (job as { default?: unknown }).default === 'function') {
    job = (job as { default: unknown }).default;
  }
  if (typeof job !== 'function') {
    throw new CliError(
      `script ${path} must export a default function, e.g. "export default async (session, context) => { await context.request({ path: '/' }) }" (found ${typeof job})`,
      'SE_ERR_CLI_SCRIPT_EXPORT',
    );
  }
  return job as Job;
}
