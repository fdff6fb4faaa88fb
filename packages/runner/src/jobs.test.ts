import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioStep } from '@session-engine/config';
import type { JobContext } from '@session-engine/scheduler';
import type { Session } from '@session-engine/session';
import { ExpectationError, IterationInterruptedError, RequestFailedError } from '@session-engine/scheduler';
import { FailureReasons, reasonOf, withFailureReasons } from './failure-reasons.js';
import { OnceSteps } from './once-steps.js';
import { scenarioJob } from './scenario-job.js';
import { loadScriptJob } from './script-job.js';

interface Sent {
  req: Record<string, unknown>;
  options: Record<string, unknown> | undefined;
}

/** A session and context double that records requests and answers from a script of responses. */
function harness(responses: { status?: number; headers?: Record<string, string>; body?: unknown }[]) {
  const sent: Sent[] = [];
  const session = { id: 7, variables: new Map<string, string>() } as unknown as Session;
  let i = 0;
  const ctx = {
    iteration: 3,
    intendedStart: 0,
    signal: new AbortController().signal,
    request: async (req: Record<string, unknown>, options?: Record<string, unknown>) => {
      sent.push({ req, options });
      const r = responses[i++ % responses.length] ?? {};
      const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      return {
        status: r.status ?? 200,
        headers: { 'set-cookie': [], ...r.headers },
        json: () => JSON.parse(text) as unknown,
        text: () => text,
      };
    },
  } as unknown as JobContext;
  return { sent, session, ctx };
}

const step = (s: Partial<ScenarioStep>): ScenarioStep => ({ method: 'GET', ...s });

describe('scenarioJob', () => {
  it('runs steps in order with templating, captures and expectations', async () => {
    const { sent, session, ctx } = harness([
      { body: { token: 'abc', items: [{ id: 42 }] }, headers: { 'x-request-id': 'r-1' } },
      { status: 204 },
    ]);
    const job = scenarioJob([
      step({ name: 'login', method: 'POST', path: '/login', json: { user: 'u{{session_id}}' }, capture: { token: { json: '$.token' }, first: { json: '$.items[0].id' }, rid: { header: 'x-request-id' } } }),
      step({ name: 'use', path: '/items/{{first}}?it={{iteration}}', headers: { authorization: 'Bearer {{token}}', 'x-rid': '{{rid}}' }, expect_status: 204 }),
    ]);
    await job(session, ctx);
    expect(sent).toEqual([
      { req: { method: 'POST', path: '/login', headers: {}, json: { user: 'u7' } }, options: { step: 'login' } },
      { req: { method: 'GET', path: '/items/42?it=3', headers: { authorization: 'Bearer abc', 'x-rid': 'r-1' } }, options: { step: 'use', expectStatus: 204 } },
    ]);
    expect(Object.fromEntries(session.variables)).toMatchObject({ token: 'abc', first: '42', rid: 'r-1' });
  });

  it('runs once-steps only in a session\'s first iteration', async () => {
    const { sent, session, ctx } = harness([{}]);
    const job = scenarioJob([step({ name: 'login', path: '/login', once: true }), step({ name: 'home', path: '/' })]);
    await job(session, ctx);
    await job(session, ctx);
    expect(sent.map((s) => s.options?.step)).toEqual(['login', 'home', 'home']);
  });

  it('retries a once-step that failed, and keeps completed once-steps done', async () => {
    const { sent, session, ctx } = harness([{}]);
    const job = scenarioJob([
      step({ name: 'a', path: '/a', once: true }),
      step({ name: 'b', path: '/b', once: true, capture: { x: { header: 'x-none' } } }),
      step({ name: 'c', path: '/c' }),
    ]);
    // b's capture fails the first time: a stays done, b runs again next iteration.
    await expect(job(session, ctx)).rejects.toThrowError(/capture "x"/);
    (ctx as unknown as { request: (...a: unknown[]) => Promise<unknown> }).request = async (req: unknown, options: unknown) => {
      sent.push({ req: req as Record<string, unknown>, options: options as Record<string, unknown> });
      return { status: 200, headers: { 'set-cookie': [], 'x-none': 'now' }, json: () => ({}), text: () => '' };
    };
    await job(session, ctx);
    await job(session, ctx);
    expect(sent.map((s) => s.options?.step)).toEqual(['a', 'b', 'b', 'c', 'c']);
    expect([...session.variables.keys()]).toEqual(['x']);
  });

  it('keeps once-steps in the ledger it is given, by step name; two once-steps with one name stay apart', async () => {
    const { sent, session, ctx } = harness([{}]);
    const once = new OnceSteps();
    once.restore(session.id, ['login']);
    const job = scenarioJob([step({ name: 'login', path: '/a', once: true }), step({ name: 'login', path: '/b', once: true }), step({ name: 'home', path: '/' })], { once });
    await job(session, ctx);
    await job(session, ctx);
    expect(sent.map((s) => s.req['path'])).toEqual(['/b', '/', '/']);
    expect(once.of(session.id)).toEqual(['login', 'login#2']);
  });

  it('names steps without a name by position, method and path', async () => {
    const { sent, session, ctx } = harness([{}]);
    await scenarioJob([step({ method: 'DELETE', path: '/x' })])(session, ctx);
    expect(sent[0]?.options?.step).toBe('1. DELETE /x');
  });

  it('fails with a clear reason when a capture needs JSON and gets none', async () => {
    const { session, ctx } = harness([{ body: 'plain text' }]);
    const job = scenarioJob([step({ name: 'a', path: '/', capture: { t: { json: '$.t' } } })]);
    await expect(job(session, ctx)).rejects.toThrowError('a: capture "t" needs a JSON body but the response (status 200) is not JSON');
  });

  it('stops between steps once the run signal aborts: the iteration ends as interrupted', async () => {
    const { sent, session, ctx } = harness([{}]);
    const controller = new AbortController();
    (ctx as unknown as { signal: AbortSignal }).signal = controller.signal;
    const job = scenarioJob([step({ name: 'a', path: '/a' }), step({ name: 'b', path: '/b' })]);
    const original = ctx.request.bind(ctx);
    (ctx as unknown as { request: typeof ctx.request }).request = async (req, options) => {
      const response = await original(req, options);
      controller.abort(new IterationInterruptedError()); // the stop arrives during step a
      return response;
    };
    await expect(job(session, ctx)).rejects.toBeInstanceOf(IterationInterruptedError);
    expect(sent.map((s) => s.options?.step)).toEqual(['a']);
  });

  it('fails before sending when a template names an unknown variable', async () => {
    const { sent, session, ctx } = harness([{}]);
    const job = scenarioJob([step({ name: 'a', path: '/{{missing}}' })]);
    await expect(job(session, ctx)).rejects.toThrowError(/scenario\[0\] \(a\)\.path: unknown variable "\{\{missing\}\}"/);
    expect(sent).toEqual([]);
  });
});

describe('reasonOf', () => {
  it('groups the same failure across sessions: no session id, no per-session URL', () => {
    const a = new ExpectationError(500, [200], 'http://t/u?who=1', 'login');
    const b = new ExpectationError(500, [200], 'http://t/u?who=2', 'login');
    expect(reasonOf(a)).toBe('login: expected status 200, got 500');
    expect(reasonOf(b)).toBe(reasonOf(a));
    const cause = Object.assign(new Error('session 3: GET http://t/ failed: connect ECONNREFUSED'), { method: 'GET', url: 'http://t/' });
    expect(reasonOf(new RequestFailedError('ECONNREFUSED', 4, undefined, cause))).toBe('GET http://t/: no response (ECONNREFUSED) after 4 attempts');
    expect(reasonOf(new RequestFailedError('timeout', 1, 'me', cause))).toBe('me: no response (timeout) after 1 attempt');
    expect(reasonOf(new Error('boom'))).toBe('boom');
  });
});

describe('withFailureReasons', () => {
  it('counts failed iterations by reason and rethrows', async () => {
    const reasons = new FailureReasons();
    const job = withFailureReasons(() => {
      throw new Error('boom');
    }, reasons);
    const { session, ctx } = harness([{}]);
    await expect(job(session, ctx)).rejects.toThrowError('boom');
    await expect(job(session, ctx)).rejects.toThrowError('boom');
    expect(reasons.total).toBe(2);
    expect([...reasons.counts]).toEqual([['boom', 2]]);
  });

  it('does not count an iteration interrupted by the run stop as a failure reason', async () => {
    const reasons = new FailureReasons();
    const controller = new AbortController();
    const job = withFailureReasons(() => Promise.reject(new IterationInterruptedError()), reasons);
    const { session, ctx } = harness([{}]);
    (ctx as unknown as { signal: AbortSignal }).signal = controller.signal;
    await expect(job(session, ctx)).rejects.toBeInstanceOf(IterationInterruptedError); // before the stop: a failure
    controller.abort(new IterationInterruptedError());
    await expect(job(session, ctx)).rejects.toBeInstanceOf(IterationInterruptedError); // after it: an interruption
    expect(reasons.total).toBe(1);
  });

  it('caps the number of distinct reasons it keeps', () => {
    const reasons = new FailureReasons();
    for (let i = 0; i < FailureReasons.MAX_KINDS + 5; i += 1) reasons.add(`reason ${i}`);
    expect(reasons.counts.size).toBe(FailureReasons.MAX_KINDS + 1);
    expect(reasons.counts.get('(other reasons)')).toBe(5);
    expect(reasons.total).toBe(FailureReasons.MAX_KINDS + 5);
  });
});

describe('loadScriptJob', () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-script-'));

  it('loads the default export of an .mjs and a .ts script', async () => {
    writeFileSync(join(dir, 'job.mjs'), 'export default async (session) => { session.variables.set("ran", "mjs"); };\n');
    writeFileSync(join(dir, 'job.ts'), 'import type {} from "node:fs";\nexport default async (session: { variables: Map<string, string> }): Promise<void> => { session.variables.set("ran", "ts"); };\n');
    for (const [file, expected] of [['job.mjs', 'mjs'], ['job.ts', 'ts']] as const) {
      const { session, ctx } = harness([{}]);
      await (await loadScriptJob(join(dir, file)))(session, ctx);
      expect(session.variables.get('ran')).toBe(expected);
    }
  });

  it('explains a missing file, a load error and a missing default export', async () => {
    await expect(loadScriptJob(join(dir, 'nope.mjs'))).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SCRIPT_NOT_FOUND', message: expect.stringMatching(/script not found: .*nope\.mjs/) });
    writeFileSync(join(dir, 'broken.mjs'), 'export default (;\n');
    await expect(loadScriptJob(join(dir, 'broken.mjs'))).rejects.toMatchObject({ code: 'SE_ERR_RUNNER_SCRIPT_LOAD' });
    writeFileSync(join(dir, 'named.mjs'), 'export const job = () => {};\n');
    await expect(loadScriptJob(join(dir, 'named.mjs'))).rejects.toMatchObject({
      code: 'SE_ERR_RUNNER_SCRIPT_EXPORT',
      message: expect.stringMatching(/must export a default function/),
    });
  });
});
