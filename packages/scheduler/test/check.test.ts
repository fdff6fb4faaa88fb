/** ctx.check(): a script's own pass/fail counts, apart from requests and iterations. */
import { describe, expect, it } from 'vitest';
import { RequestContext, type RequestHost } from '../src/job-context.js';
import { FakeSession, MetricsRecorder, VirtualClock } from './fakes.js';

function context() {
  const clock = new VirtualClock();
  const metrics = new MetricsRecorder();
  const host: RequestHost = {
    metrics,
    maxRetries: 0,
    baseDelay: 100,
    maxDelay: 1_000,
    maxRetryAfter: 1_000,
    halted: false,
    signal: new AbortController().signal,
    now: clock.now,
    wallNow: () => 0,
    random: () => 0.5,
    pause: (ms) => clock.sleep(ms),
  };
  return { metrics, ctx: new RequestContext(host, new FakeSession(1, clock), 1, 0) };
}

describe('ctx.check', () => {
  it('records each outcome under its name and returns it, without recording a request', () => {
    const { metrics, ctx } = context();
    expect(ctx.check('has token', true)).toBe(true);
    expect(ctx.check('has token', false)).toBe(false);
    // Plain JavaScript passes what it has: truthy is a pass.
    expect(ctx.check('body', 'non-empty' as unknown as boolean)).toBe(true);
    expect(ctx.check('body', undefined as unknown as boolean)).toBe(false);
    expect(metrics.checks).toEqual([
      ['has token', true],
      ['has token', false],
      ['body', true],
      ['body', false],
    ]);
    expect(metrics.requests).toEqual([]);
  });
});
