/**
 * The control API's shapes, as zod schemas: the handlers (and
 * `RunControl.update()`) validate with them, and the OpenAPI document is
 * generated from them, so the document cannot drift from what is checked.
 * Values are checked with the config's own field schemas, so a bad
 * `sessions` gets the same message as a bad `number_of_sessions`.
 */
import { configValueSchema } from '@session-engine/config';
import { z } from 'zod';
import { ControlInvalidArgumentError } from './errors.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** `PATCH /v1/run` and `RunControl.update()`: any of these, nothing else. */
export const runChangeSchema = z
  .strictObject({
    sessions: configValueSchema('number_of_sessions')
      .optional()
      .describe('Sessions to run from now on (as number_of_sessions). Raising it creates new sessions (new identities: own connections, cookie jar and proxy) and puts them to work; lowering it stops the highest-numbered ones after their current iteration (within graceful_stop) and closes them.'),
    rate: configValueSchema('rate')
      .optional()
      .describe('Open model only (409 in the closed model): starts per second from now on, replacing the configured rate and any stages; must be > 0 (pause to stop arrivals).'),
    paused: z
      .boolean({ error: (issue) => `must be true or false; got ${JSON.stringify(issue.input) ?? 'nothing'}` })
      .optional()
      .describe('true: no new iterations start (in-flight ones finish; the duration keeps counting). false: resume; the open model goes on at its rate without a catch-up burst.'),
    log_level: configValueSchema('log_level').optional().describe('The least severe level logged from now on (as log_level).'),
  })
  .describe('A live change of the run: any of its fields.');

/** What `RunControl.update()` takes: the parsed form of the PATCH body. */
export interface RunChange {
  sessions?: number | undefined;
  rate?: number | undefined;
  paused?: boolean | undefined;
  log_level?: (typeof LOG_LEVELS)[number] | undefined;
}

/** `POST /v1/stop`: optional; without a body the configured graceful_stop applies. */
export const stopRequestSchema = z
  .strictObject({
    graceful_stop: configValueSchema('graceful_stop')
      .optional()
      .describe('How long in-flight iterations get to finish (as graceful_stop, e.g. "5s"); default: the configured graceful_stop.'),
  })
  .describe('How to stop: the same stop as SIGINT; the run ends and reports.');

const ms = z.number().describe('milliseconds');

/** `GET /v1/status`, the answer to `PATCH /v1/run`, and each `GET /v1/events` message. */
export const runStatusSchema = z
  .object({
    state: z
      .enum(['warming_up', 'running', 'paused', 'stopping'])
      .describe(
        "warming_up: config warmup runs before the load window (figures, elapsed_ms and planned_ms are the warm-up's; only a stop is taken); stopping: a stop began, in-flight iterations are finishing",
      ),
    model: z.enum(['closed', 'open']),
    sessions: z.object({
      target: z.number().int().describe('the session count asked for (number_of_sessions, or the last PATCH)'),
      active: z.number().int().describe('sessions taking iterations now (what the timeline and Prometheus show)'),
    }),
    rate: z.number().nullable().describe('open model: starts per second now; null in the closed model'),
    elapsed_ms: ms.describe('since the load started'),
    planned_ms: ms.describe('duration or the sum of the stages; 0 = until stopped'),
    iterations: z.number().int().describe('iterations started'),
    totals: z.object({
      requests: z.number().int(),
      success: z.number().int(),
      failed: z.number().int(),
      retries: z.number().int(),
      dropped: z.number().int().describe('open model: starts skipped (no idle session, or the pool queue full)'),
      rps: z.number().describe('requests per second over the run'),
      current_rps: z.number().describe('requests per second over the last seconds'),
    }),
    latency: z
      .object({ p50: z.number(), p95: z.number(), p99: z.number() })
      .describe('milliseconds, from the intended start in the open model (coordinated omission corrected)'),
    errors: z.record(z.string(), z.number().int()).describe('failed requests by failure kind (docs/errors.md#failure-kinds)'),
    log_level: z.enum(LOG_LEVELS),
    threads: z
      .array(
        z.object({
          thread: z.number().int().describe('0-based'),
          sessions: z.object({ target: z.number().int().describe("this thread's share of the target"), active: z.number().int() }),
          iterations: z.number().int(),
          requests: z.number().int(),
          failed: z.number().int(),
        }),
      )
      .optional()
      .describe('a run across worker threads (--threads): each thread as of its latest snapshot (every timeline_interval); the totals are their sum'),
  })
  .describe('The run now.');

export type RunStatus = z.infer<typeof runStatusSchema>;

/** Every error answer: a stable code (docs/errors.md) and a message saying what to fix. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('SE_ERR_RUNNER_CONTROL_* or SE_ERR_RUNNER_INVALID_ARGUMENT'),
      message: z.string(),
      issues: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .describe('400: each problem of the body'),
    }),
  })
  .describe('An error.');

/** `POST /v1/stop`'s answer. */
export const proxyReloadSchema = z
  .object({
    file: z.string().describe('the proxy file that was read'),
    count: z.number().int().nonnegative().describe('proxies in the list now'),
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative().describe('sessions on a removed proxy move to the next healthy one'),
  })
  .describe('The proxy file was read again and swapped in; proxies still listed keep their health.');

export const stopResponseSchema = z
  .object({ state: z.literal('stopping'), graceful_stop_ms: ms.describe('what in-flight iterations get to finish') })
  .describe('The stop has begun; GET /v1/report (until the run ends) or the run\'s own output has the report.');

/**
 * The report: the same JSON as `engine run --json` (docs/user-guide.md#the-json-report lists every
 * field). Its top level is checked here; the fields inside are the report's own.
 */
export const reportSchema = z
  .looseObject({
    engine: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    duration: z.number(),
    reason: z.string(),
    model: z.enum(['closed', 'open']),
    target: z.string(),
    total: z.number().int(),
    success: z.number().int(),
    failed: z.number().int(),
    iterations: z.number().int(),
    rps: z.number(),
    latency: z.looseObject({}),
    errors: z.record(z.string(), z.number()),
    sessions: z.looseObject({}),
    timeline: z.array(z.looseObject({})),
  })
  .describe('The report so far: the same shape as engine run --json (see docs/user-guide.md#the-json-report).');

/** Turns zod's issues into ours: the field and the message, an unknown field named as such. */
export function issuesOf(error: z.ZodError, allowed: readonly string[]): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ field: key, message: `unknown field ${JSON.stringify(key)}; the fields are ${allowed.join(', ')}` });
      }
    } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
      issues.push({ field: '', message: `the body must be a JSON object with any of ${allowed.join(', ')}` });
    } else {
      issues.push({ field, message: issue.message });
    }
  }
  return issues;
}

/** Parses a change, or throws `ControlInvalidArgumentError` naming each bad field. */
export function parseRunChange(input: unknown): RunChange {
  const result = runChangeSchema.safeParse(input);
  if (!result.success) throw new ControlInvalidArgumentError(issuesOf(result.error, Object.keys(runChangeSchema.shape)));
  return result.data;
}

/** Parses a stop request (`undefined` = none given), or throws `ControlInvalidArgumentError`. */
export function parseStopRequest(input: unknown): { graceful_stop?: number | undefined } {
  if (input === undefined || input === null || input === '') return {};
  const result = stopRequestSchema.safeParse(input);
  if (!result.success) throw new ControlInvalidArgumentError(issuesOf(result.error, Object.keys(stopRequestSchema.shape)));
  return result.data;
}
