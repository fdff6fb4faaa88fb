/**
 * The scenario runner: a config `scenario` as a job. Each iteration sends the
 * steps in order (a `once` step only in a session's first iteration that
 * reaches it), checks `expect_status`, counts the step's `checks`, and stores
 * captures in the session's variables for later steps and iterations.
 */
import { parseJsonPath, readJsonPath, stepName as configStepName, type EngineConfig, type JsonPathSegment, type ScenarioStep } from '@session-engine/config';
import { compileChecks, runChecks } from './checks.js';
import type { Job, JobContext } from '@session-engine/scheduler';
import type { Session } from '@session-engine/session';
import { StepFailure } from './errors.js';
import { OnceSteps } from './once-steps.js';
import { renderJson, renderString, stringifyCapture } from './template.js';

/** A step's name in reports: its `name`, or its position, method and path. */
export function stepName(step: ScenarioStep, index: number): string {
  // One definition with the config's, which checks threshold step names against it.
  return configStepName(step, index);
}

/** Variables visible to templates: captures plus built-ins. */
function variablesOf(session: Session, ctx: JobContext): Map<string, string> {
  const vars = new Map(session.variables);
  vars.set('session_id', String(session.id));
  vars.set('iteration', String(ctx.iteration));
  return vars;
}

export interface ScenarioJobOptions {
  /**
   * Where completed `once` steps are kept, by session id and step name (default:
   * a ledger of this job's own). The run passes its own to save and restore it
   * with the session state.
   */
  once?: OnceSteps;
}

export function scenarioJob(steps: readonly ScenarioStep[], options: ScenarioJobOptions = {}): Job {
  const names = steps.map(stepName);
  // Capture paths are parsed once (the config already checked them), not per response.
  const paths = steps.map((step) => {
    const parsed = new Map<string, readonly JsonPathSegment[]>();
    for (const [variable, source] of Object.entries(step.capture ?? {})) if ('json' in source) parsed.set(variable, parseJsonPath(source.json));
    return parsed;
  });
  const checks = steps.map((step, i) => compileChecks(step.checks ?? [], names[i]!));
  // Once-steps each session has completed (kept outside the user's variables), by step name:
  // saved state names them, so they survive a scenario edit that moves steps. A repeated
  // name gets a suffix (`login#2`), so two once-steps never share an entry.
  const completed = options.once ?? new OnceSteps();
  const counts = new Map<string, number>();
  const onceKeys = names.map((name) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  });
  return async (session, ctx) => {
    for (let i = 0; i < steps.length; i += 1) {
      const step = steps[i]!;
      if (step.once && completed.has(session.id, onceKeys[i]!)) continue;
      // The run is stopping: end the iteration here, between steps (counted as interrupted).
      ctx.signal.throwIfAborted();
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
      // Counted before the captures, which may end the iteration; a failed check ends nothing.
      if (checks[i]!.length > 0) runChecks(checks[i]!, response, ctx);
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
          value = readJsonPath(document, paths[i]!.get(variable) ?? source.json);
        }
        if (value === undefined || value === null) {
          const from = 'header' in source ? `header "${source.header}"` : `JSON path ${source.json}`;
          throw new StepFailure(`${name}: capture "${variable}" found nothing at ${from} (status ${response.status})`);
        }
        session.variables.set(variable, stringifyCapture(value));
      }
      if (step.once) completed.add(session.id, onceKeys[i]!);
    }
  };
}

/** The default job: one request to `target_url` with the configured method and body. */
export function defaultJob(config: Pick<EngineConfig, 'method' | 'target_url' | 'body'>): Job {
  const request = {
    method: config.method,
    url: config.target_url,
    ...(config.body ? { body: config.body } : {}),
  };
  // The response is the job's result as it is: the pool ignores it, and a `.then` to make it
  // void would cost one more promise per iteration.
  return (_session, ctx) => ctx.request(request) as Promise<unknown> as Promise<void>;
}
