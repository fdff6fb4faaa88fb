/**
 * Changing a run while it goes on (the control API's levers): pause and
 * resume, a new open-model rate, retiring sessions when scaling down, and
 * sessions added later. Virtual time only: counts and intended times.
 */
import { WorkerPool } from '@session-engine/worker-pool';
import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, Scheduler, SchedulerOptionsError, SchedulerStateError, UnknownSessionError } from '../src/index.js';
import type { Job, JobContext } from '../src/index.js';
import { FakeSession, FakeSessions, MetricsRecorder, VirtualClock, config } from './fakes.js';

function setup(sessionsCount: number, cfg: Parameters<typeof config>[0]) {
  const clock = new VirtualClock();
  const sessions = new FakeSessions(clock, sessionsCount);
  const pool = new WorkerPool({ workers: sessionsCount * 2 });
  pool.start();
  const metrics = new MetricsRecorder();
  const scheduler = new Scheduler<FakeSession>({ sessions, pool, metrics, config: config(cfg), now: clock.now, sleep: clock.sleep });
  return { clock, sessions, metrics, scheduler };
}

interface Start {
  id: number;
  t: number;
  intended: number;
}

function startsJob(starts: Start[], clock: VirtualClock, ms: number): Job<FakeSession> {
  return async (session, ctx: JobContext) => {
    starts.push({ id: session.id, t: clock.t, intended: ctx.intendedStart });
    await ctx.request({ path: '/' });
    await clock.sleep(Math.max(0, ms - 10));
  };
}

describe('ArrivalSchedule: live changes', () => {
  it('setRate() keeps arrivals evenly spaced from the last one taken', () => {
    const schedule = new ArrivalSchedule([], 10);
    expect([schedule.take(), schedule.take(), schedule.take()]).toEqual([0, 100, 200]);
    // Changed at 230: the next comes one new interval (20 ms) after the last (200), or now.
    schedule.setRate(50, 230);
    expect([schedule.take(), schedule.take(), schedule.take()]).toEqual([230, 250, 270]);
    schedule.setRate(5, 275);
    expect(schedule.take()).toBe(470);
    expect(schedule.rateAt(1_000)).toBe(5);
  });

  it('skipTo() passes over the arrivals due before a time, with no burst after it', () => {
    const schedule = new ArrivalSchedule([], 10);
    schedule.take(); // 0
    schedule.skipTo(1_050);
    expect(schedule.peek()).toBe(1_100);
    // A ramp: the next arrival after the skip is the schedule's own, at or after the time.
    const ramp = new ArrivalSchedule([{ duration: 10_000, target: 100 }], 0);
    ramp.skipTo(5_000);
    const next = ramp.peek();
    expect(next).toBeGreaterThanOrEqual(5_000);
    expect(next).toBeLessThan(5_000 + 1000 / 50 + 1e-6);
  });

  it('a stride keeps its own arrivals across setRate()', () => {
    const part = new ArrivalSchedule([], 10, { offset: 1, stride: 2 });
    expect([part.take(), part.take()]).toEqual([100, 300]);
    part.setRate(20, 310);
    // Every other arrival of 20/s: 100 ms apart, from one interval after 300.
    expect([part.take(), part.take()]).toEqual([400, 500]);
  });
});

describe('Scheduler: pause and resume', () => {
  it('closed model: no iteration starts while paused, in-flight ones finish, resume re-fills at once', async () => {
    const { clock, scheduler } = setup(2, { duration: 1_000 });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 100));
    await clock.runUntil(250);
    scheduler.pause();
    expect(scheduler.paused).toBe(true);
    await clock.runUntil(600);
    // The jobs started at 200 finished at 300; none started after the pause.
    expect(starts.filter((s) => s.t > 250)).toEqual([]);
    expect(scheduler.running).toBe(0);
    scheduler.resume();
    expect(scheduler.paused).toBe(false);
    await clock.run(run);
    const after = starts.filter((s) => s.t >= 600).map((s) => s.t);
    expect(after.slice(0, 2)).toEqual([600, 600]);
    expect(after.length).toBe(8); // 600 .. 900, two sessions
  });

  it('open model: arrivals due while paused are skipped, not caught up or dropped', async () => {
    const { clock, scheduler, metrics } = setup(5, { rate: 10, duration: 2_000 });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 10));
    await clock.runUntil(450);
    scheduler.pause();
    await clock.runUntil(1_020);
    scheduler.resume();
    const summary = await clock.run(run);
    const intended = starts.map((s) => s.intended);
    expect(intended.filter((t) => t < 450)).toEqual([0, 100, 200, 300, 400]);
    expect(intended.filter((t) => t >= 450 && t < 1_020)).toEqual([]);
    // Resumed at 1020: the next arrival of the schedule is 1100, then 100 ms apart, one at a time.
    expect(intended.filter((t) => t >= 1_020)).toEqual([1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 1_700, 1_800, 1_900]);
    expect(summary.dropped).toBe(0);
    expect(metrics.dropped).toBe(0);
  });
});

describe('Scheduler: setRate()', () => {
  it('changes the open-model rate at the next wake, evenly spaced, latency from the intended start', async () => {
    const { clock, scheduler, metrics } = setup(20, { rate: 10, duration: 2_000 });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 10));
    await clock.runUntil(1_000);
    expect(scheduler.rate).toBe(10);
    scheduler.setRate(50);
    expect(scheduler.rate).toBe(50);
    const summary = await clock.run(run);
    const before = starts.filter((s) => s.intended < 1_000).length;
    const after = starts.filter((s) => s.intended >= 1_000).map((s) => s.intended);
    expect(before).toBe(10);
    // 50/s over the second half: 50 starts, 20 ms apart.
    expect(after.length).toBe(50);
    const gaps = after.slice(1).map((t, i) => t - (after[i] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo(20, 6);
    expect(summary.dropped).toBe(0);
    // Each start ran on time in virtual time: every latency is the 10 ms request.
    expect(metrics.requests.filter((r) => r.latencyMicros !== 10_000).map((r) => r.latencyMicros)).toEqual([]);
  });

  it('replaces the stages of an open-model run', async () => {
    const { clock, scheduler } = setup(20, { rate: 10, stages: [{ duration: 2_000, target: 100 }] });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 10));
    await clock.runUntil(500);
    scheduler.setRate(10);
    await clock.run(run);
    const after = starts.filter((s) => s.intended >= 500).map((s) => s.intended);
    const gaps = after.slice(1).map((t, i) => t - (after[i] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo(100, 6);
  });

  it('is refused in the closed model and for a rate that is not > 0', async () => {
    const closed = setup(1, { iterations: 1 });
    expect(() => closed.scheduler.setRate(10)).toThrow(SchedulerStateError);
    expect(closed.scheduler.rate).toBe(0);
    expect(closed.scheduler.model).toBe('closed');
    const open = setup(1, { rate: 5, iterations: 1 });
    expect(open.scheduler.model).toBe('open');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => open.scheduler.setRate(bad)).toThrow(SchedulerOptionsError);
  });
});

describe('Scheduler: scaling', () => {
  it('retireSession() stops giving a session jobs and resolves once its job in flight is done', async () => {
    const { clock, sessions, scheduler } = setup(3, { duration: 1_000 });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 100));
    await clock.runUntil(150);
    let retiredAt: number | undefined;
    void scheduler.retireSession(3).then(() => (retiredAt = clock.t));
    await clock.runUntil(400);
    // Its job that started at 100 ended at 200; none started after the call.
    expect(retiredAt).toBe(200);
    expect(starts.filter((s) => s.id === 3).map((s) => s.t)).toEqual([0, 100]);
    sessions.map.set(4, new FakeSession(4, clock));
    await clock.runUntil(600);
    sessions.map.delete(3); // the caller closes it and unregisters it
    await expect(scheduler.retireSession(99)).rejects.toBeInstanceOf(UnknownSessionError);
    await clock.run(run);
    expect(starts.filter((s) => s.id === 3 && s.t > 150)).toEqual([]);
    expect(starts.filter((s) => s.id === 4).length).toBeGreaterThan(3);
  });

  it('sessions added while running get jobs; the active count follows', async () => {
    const { clock, sessions, scheduler, metrics } = setup(2, { duration: 3_000 });
    const starts: Start[] = [];
    const run = scheduler.start(startsJob(starts, clock, 100));
    await clock.runUntil(1_000);
    for (let id = 3; id <= 4; id++) sessions.map.set(id, new FakeSession(id, clock));
    await clock.run(run);
    expect(starts.filter((s) => s.id >= 3).length).toBeGreaterThan(10);
    expect(metrics.active.at(-1)).toBe(4);
  });
});
