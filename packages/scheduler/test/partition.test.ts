/**
 * A run split side by side (threads, shards): each part takes arrivals
 * k = index, index + count, ... of the one schedule, so the parts' intended
 * start times together are exactly the single run's. Asserted on the
 * schedule (virtual time), never on wall-clock gaps.
 */
import { WorkerPool } from '@session-engine/worker-pool';
import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, Scheduler, SchedulerOptionsError } from '../src/index.js';
import type { Job, SchedulerPartition, StageConfig } from '../src/index.js';
import { FakeSession, FakeSessions, MetricsRecorder, VirtualClock, config } from './fakes.js';

const ramp: StageConfig[] = [
  { duration: 2_000, target: 30 }, // 10/s -> 30/s
  { duration: 1_000, target: 30 }, // hold
  { duration: 1_000, target: 0 }, // down to nothing: the schedule ends
];

/** Every arrival time of a schedule, until it ends or passes `until` ms. */
function times(schedule: ArrivalSchedule, until: number): number[] {
  const out: number[] = [];
  while (schedule.peek() <= until) out.push(schedule.take());
  return out;
}

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

describe('ArrivalSchedule with a stride', () => {
  for (const [name, stages, rate] of [
    ['a ramp up, hold and down', ramp, 10],
    ['a constant rate', [], 7],
  ] as const) {
    it(`gives parts whose union is the single schedule: ${name}`, () => {
      const single = times(new ArrivalSchedule(stages, rate), 4_000);
      expect(single.length).toBeGreaterThan(20);
      for (const count of [2, 3, 4]) {
        const parts = Array.from({ length: count }, (_, index) => times(new ArrivalSchedule(stages, rate, { offset: index, stride: count }), 4_000));
        expect(sorted(parts.flat())).toEqual(single);
        // Interleaved, not in bursts: part t's j-th arrival is the single schedule's (t + j * count)-th.
        parts.forEach((part, index) => part.forEach((time, j) => expect(time).toBe(single[index + j * count])));
        // The remainder goes to the first parts.
        expect(parts.map((part) => part.length)).toEqual(parts.map((_, index) => Math.floor(single.length / count) + (index < single.length % count ? 1 : 0)));
      }
    });
  }
});

function partScheduler(sessions: number, cfg: Parameters<typeof config>[0], partition?: SchedulerPartition) {
  const clock = new VirtualClock();
  const pool = new WorkerPool({ workers: sessions });
  pool.start();
  const metrics = new MetricsRecorder();
  const scheduler = new Scheduler<FakeSession>({
    sessions: new FakeSessions(clock, sessions),
    pool,
    metrics,
    config: config(cfg),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...(partition ? { partition } : {}),
  });
  return { clock, metrics, scheduler };
}

describe('Scheduler partition', () => {
  it('open model: the parts start exactly the intended times of the single run', async () => {
    const cfg = { rate: 10, stages: ramp };
    const intendedOf = async (partition?: SchedulerPartition): Promise<number[]> => {
      const { clock, scheduler } = partScheduler(40, cfg, partition);
      const intended: number[] = [];
      const job: Job<FakeSession> = async (_session, ctx) => {
        intended.push(ctx.intendedStart);
        await clock.sleep(5);
      };
      await clock.run(scheduler.start(job));
      return intended;
    };
    const single = await intendedOf();
    expect(single.length).toBe(85); // 40 on the ramp up, 30 held, 15 down
    const parts = [await intendedOf({ index: 0, count: 3 }), await intendedOf({ index: 1, count: 3 }), await intendedOf({ index: 2, count: 3 })];
    expect(sorted(parts.flat())).toEqual(sorted(single));
    expect(parts.map((part) => part.length)).toEqual([29, 28, 28]);
  });

  it('closed model: stage targets count the whole run, each part runs the share its session ids hold', async () => {
    // One run of 4 sessions ramping 0 -> 4 -> 1, as two parts of 2 sessions (ids 1-2 and 3-4).
    const cfg = { stages: [{ duration: 1_000, target: 4 }, { duration: 1_000, target: 1 }] };
    const activeOf = async (partition: SchedulerPartition): Promise<number[]> => {
      const { clock, metrics, scheduler } = partScheduler(2, cfg, partition);
      await clock.run(scheduler.start(async () => clock.sleep(10)));
      return metrics.active;
    };
    const first = await activeOf({ index: 0, count: 2, sessionsBefore: 0 });
    const second = await activeOf({ index: 1, count: 2, sessionsBefore: 2 });
    expect(Math.max(...first)).toBe(2);
    expect(Math.max(...second)).toBe(2);
    // At the end the run's target is 1 session: the first part's.
    expect(first.at(-1)).toBe(1);
    expect(second.at(-1)).toBe(0);
    // The second part's sessions join only once the target passes 2.
    expect(second.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects a partition that is not one part of the whole', () => {
    for (const partition of [{ index: 2, count: 2 }, { index: 0, count: 0 }, { index: -1, count: 2 }, { index: 0.5, count: 2 }]) {
      expect(() => partScheduler(1, {}, partition)).toThrow(SchedulerOptionsError);
    }
  });
});
