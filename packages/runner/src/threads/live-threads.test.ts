import { parseConfig, type ConfigInput } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { Metrics } from '@session-engine/metrics';
import { describe, expect, it } from 'vitest';
import { ControlConflictError, ControlInvalidArgumentError } from '../control/errors.js';
import type { RunReport } from '../report.js';
import type { LiveSnapshot } from '../run.js';
import { ThreadsLive, type ThreadsHost } from './live-threads.js';
import type { ToThread } from './protocol.js';

/** A main thread of `count` threads that records what it posts; the test answers for the threads. */
function host(overrides: Partial<ConfigInput>, sessionsAtStart: number[]) {
  const posted: { index: number; message: ToThread }[] = [];
  const snapshots: (LiveSnapshot | undefined)[] = sessionsAtStart.map(() => undefined);
  const ended = new Set<number>();
  const value: ThreadsHost = {
    config: parseConfig({ target_url: 'http://127.0.0.1:1/', number_of_sessions: sessionsAtStart.reduce((a, b) => a + b, 0), ...overrides }),
    logger: createLogger({ level: 'error', destination: 2 }),
    count: sessionsAtStart.length,
    sessionsAtStart,
    snapshot: (index) => snapshots[index],
    post: (index, message) => {
      if (ended.has(index)) return false;
      posted.push({ index, message });
      return true;
    },
    stopping: () => false,
    stop: () => 0,
    report: () => ({}) as RunReport,
  };
  return { host: value, posted, snapshots, ended };
}

function snapshot(total: number, active: number): LiveSnapshot {
  const metrics = new Metrics();
  for (let i = 0; i < total; i++) metrics.recordSuccess(200, 1_000);
  metrics.setActiveSessions(active);
  return { phase: 'load', elapsed_ms: 1_000, planned_ms: 0, iterations: total, planned_iterations: 0, state: 'running', metrics: metrics.snapshot() };
}

/** Lets the update's messages go out, then acknowledges each as the thread would. */
async function acknowledge(live: ThreadsLive, posted: { index: number; message: ToThread }[], active: (index: number) => number): Promise<void> {
  await Promise.resolve();
  for (const { index, message } of posted.splice(0)) {
    if (message.type === 'update') live.acknowledged(index, { type: 'updated', id: message.id, ok: true, active: active(index) });
  }
}

describe('ThreadsLive (the main thread of runThreads())', () => {
  it('sends each thread its share of a session change (5 -> 11 across 3 threads: 4, 4, 3) and answers with the merged status', async () => {
    const { host: main, posted } = host({}, [2, 2, 1]);
    const live = new ThreadsLive(main);
    expect(live.status().sessions.target).toBe(5);
    const answer = live.update({ sessions: 11, log_level: 'warn' });
    await Promise.resolve();
    expect(posted.map((p) => [p.index, p.message.type === 'update' ? p.message.change : undefined])).toEqual([
      [0, { sessions: 4, log_level: 'warn' }],
      [1, { sessions: 4, log_level: 'warn' }],
      [2, { sessions: 3, log_level: 'warn' }],
    ]);
    await acknowledge(live, posted, (index) => [4, 4, 3][index] ?? 0);
    const status = await answer;
    expect(status.sessions).toEqual({ target: 11, active: 11 });
    expect(status.threads?.map((t) => t.sessions)).toEqual([
      { target: 4, active: 4 },
      { target: 4, active: 4 },
      { target: 3, active: 3 },
    ]);
    expect(status.log_level).toBe('warn');
  });

  it('merges the latest snapshot of each thread: the totals are their sum', () => {
    const { host: main, snapshots } = host({}, [2, 2]);
    const live = new ThreadsLive(main);
    snapshots[0] = snapshot(30, 2);
    snapshots[1] = snapshot(12, 2);
    const status = live.status();
    expect(status.totals.requests).toBe(42);
    expect(status.threads?.map((t) => t.requests)).toEqual([30, 12]);
    expect(status.sessions.active).toBe(4);
    expect(status.iterations).toBe(42);
  });

  it('refuses once, before any thread hears of it: rate in the closed model (409), fewer sessions than threads (400)', async () => {
    const { host: main, posted } = host({}, [2, 2]);
    const live = new ThreadsLive(main);
    await expect(live.update({ rate: 10 })).rejects.toBeInstanceOf(ControlConflictError);
    await expect(live.update({ sessions: 1 })).rejects.toThrow(ControlInvalidArgumentError);
    await expect(live.update({ sessions: 0 })).rejects.toThrow(/sessions: must be a whole number ≥ 1/);
    expect(posted).toEqual([]);
    expect(live.status().sessions.target).toBe(4);
  });

  it('gives every thread the whole run\'s rate, and passes a thread\'s refusal on as the same error class', async () => {
    const { host: main, posted } = host({ rate: 100 }, [3, 3]);
    const live = new ThreadsLive(main);
    expect(live.status()).toMatchObject({ model: 'open', rate: 100 });
    const answer = live.update({ rate: 300 });
    await Promise.resolve();
    expect(posted.map((p) => (p.message.type === 'update' ? p.message.change : undefined))).toEqual([{ rate: 300 }, { rate: 300 }]);
    const [first, second] = posted.splice(0);
    live.acknowledged(first!.index, { type: 'updated', id: (first!.message as { id: number }).id, ok: true, active: 3 });
    live.acknowledged(second!.index, { type: 'updated', id: (second!.message as { id: number }).id, ok: false, message: 'the run is stopping: it takes no further change', code: 'SE_ERR_RUNNER_CONTROL_CONFLICT' });
    await expect(answer).rejects.toBeInstanceOf(ControlConflictError);
  });

  it('does not wait for a thread that has ended', async () => {
    const { host: main, posted, ended } = host({}, [2, 2]);
    ended.add(1);
    const live = new ThreadsLive(main);
    const answer = live.update({ paused: true });
    await acknowledge(live, posted, () => 2);
    expect((await answer).state).toBe('paused');
  });
});
