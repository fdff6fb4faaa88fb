import { parseConfig } from '@session-engine/config';
import { describe, expect, it } from 'vitest';
import { planThreads, share, splitRunChange, usableThreads } from './partition.js';

describe('planThreads', () => {
  it('splits sessions, workers and iterations so they add up, the remainder to the first threads', () => {
    const config = parseConfig({ number_of_sessions: 11, workers: 7, iterations: 1003, threads: 3 });
    const plans = planThreads(config);
    expect(plans.map((p) => p.config.number_of_sessions)).toEqual([4, 4, 3]);
    expect(plans.map((p) => p.config.workers)).toEqual([3, 2, 2]);
    expect(plans.map((p) => p.config.iterations)).toEqual([335, 334, 334]);
    expect(plans.map((p) => p.config.threads)).toEqual([1, 1, 1]);
    // The control API would be served by every thread on one port.
    expect(planThreads({ ...config, control_port: 9000 }).map((p) => p.config.control_port)).toEqual([undefined, undefined, undefined]);
    // Session ids in consecutive ranges: 1-4, 5-8, 9-11.
    expect(plans.map((p) => p.partition)).toEqual([
      { index: 0, count: 3, sessionsBefore: 0, totalSessions: 11 },
      { index: 1, count: 3, sessionsBefore: 4, totalSessions: 11 },
      { index: 2, count: 3, sessionsBefore: 8, totalSessions: 11 },
    ]);
  });

  it('keeps the rest of the config, the rate and stages included (the threads take interleaved arrivals of one schedule)', () => {
    const config = parseConfig({ number_of_sessions: 10, rate: 300, duration: '5s', stages: [{ duration: '2s', target: 600 }], threads: 2 });
    for (const plan of planThreads(config)) {
      expect(plan.config.rate).toBe(300);
      expect(plan.config.stages).toEqual(config.stages);
      expect(plan.config.duration).toBe(5_000);
      expect(plan.config.iterations).toBe(0); // unlimited stays unlimited
    }
  });

  it('uses no more threads than there are sessions, worker slots or iterations to give them', () => {
    expect(usableThreads(parseConfig({ number_of_sessions: 2, threads: 8 }))).toBe(2);
    expect(usableThreads(parseConfig({ number_of_sessions: 50, workers: 3, threads: 8 }))).toBe(3);
    expect(usableThreads(parseConfig({ number_of_sessions: 50, iterations: 5, threads: 8 }))).toBe(5);
    expect(usableThreads(parseConfig({ number_of_sessions: 50, threads: 4 }))).toBe(4);
    expect(planThreads(parseConfig({ number_of_sessions: 50, iterations: 1, threads: 4 }))).toHaveLength(1);
  });

  it('share() divides a total exactly', () => {
    for (const [total, count] of [[10, 3], [7, 7], [1000, 16], [3, 5]] as const) {
      const parts = Array.from({ length: count }, (_, i) => share(total, count, i));
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
    }
  });

  it('splits a live change as at start: sessions 5 -> 11 across 3 threads is 2,2,1 -> 4,4,3; the rate stays the whole run\'s', () => {
    const config = parseConfig({ number_of_sessions: 5, rate: 100, threads: 3 });
    expect(planThreads(config).map((p) => p.config.number_of_sessions)).toEqual([2, 2, 1]);
    expect(splitRunChange({ sessions: 11 }, 3)).toEqual([{ sessions: 4 }, { sessions: 4 }, { sessions: 3 }]);
    // The same split planThreads makes for a run started with that many sessions.
    for (const sessions of [3, 4, 11, 100, 1001]) {
      const started = planThreads({ ...config, number_of_sessions: sessions }).map((p) => p.config.number_of_sessions);
      expect(splitRunChange({ sessions }, 3).map((c) => c.sessions)).toEqual(started);
    }
    // Every thread keeps the whole run's rate: each takes every third arrival of the one schedule.
    expect(splitRunChange({ rate: 300, paused: true, log_level: 'debug' }, 3)).toEqual(
      Array.from({ length: 3 }, () => ({ rate: 300, paused: true, log_level: 'debug' })),
    );
    expect(splitRunChange({ paused: false }, 2)).toEqual([{ paused: false }, { paused: false }]);
  });
});
