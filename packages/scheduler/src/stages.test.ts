import { describe, expect, it } from 'vitest';
import { activeTarget, applyActiveTarget } from './closed-model.js';
import { ArrivalSchedule } from './open-model.js';
import { SessionSlot } from './session-slot.js';
import { arrivalTime, arrivalsBy, stageValue, stagesDuration } from './stages.js';

const ramp = [
  { duration: 10_000, target: 100 }, // 0 -> 100
  { duration: 5_000, target: 100 }, // hold
  { duration: 5_000, target: 0 }, // down
];

describe('stageValue', () => {
  it('interpolates linearly from the start value through each stage, then holds the last target', () => {
    expect(stageValue(ramp, 0, 0)).toBe(0);
    expect(stageValue(ramp, 0, 2_500)).toBe(25);
    expect(stageValue(ramp, 0, 10_000)).toBe(100);
    expect(stageValue(ramp, 0, 12_000)).toBe(100);
    expect(stageValue(ramp, 0, 17_500)).toBe(50);
    expect(stageValue(ramp, 0, 20_000)).toBe(0);
    expect(stageValue(ramp, 0, 99_000)).toBe(0);
  });

  it('starts from the given initial value and jumps over zero-length stages', () => {
    expect(stageValue([{ duration: 1_000, target: 20 }], 10, 500)).toBe(15);
    expect(stageValue([{ duration: 0, target: 50 }, { duration: 1_000, target: 50 }], 0, 0)).toBe(50);
    expect(stageValue([], 7, 1_000)).toBe(7);
  });
});

describe('stagesDuration', () => {
  it('sums the durations', () => {
    expect(stagesDuration(ramp)).toBe(20_000);
    expect(stagesDuration([])).toBe(0);
  });
});

describe('arrivalsBy', () => {
  it('integrates the rate (starts per second) over time', () => {
    // Constant 10/s: 10 per second.
    expect(arrivalsBy([], 10, 3_000)).toBe(30);
    // Ramp 0 -> 100/s over 10 s: a triangle of 500 starts; half-way 125.
    expect(arrivalsBy(ramp, 0, 10_000)).toBe(500);
    expect(arrivalsBy(ramp, 0, 5_000)).toBe(125);
    // Hold at 100/s for 5 s: +500; ramp down over 5 s: +250; then nothing.
    expect(arrivalsBy(ramp, 0, 15_000)).toBe(1_000);
    expect(arrivalsBy(ramp, 0, 20_000)).toBe(1_250);
    expect(arrivalsBy(ramp, 0, 30_000)).toBe(1_250);
  });
});

describe('arrivalTime', () => {
  it('spaces a constant rate exactly 1/rate apart, the first at 0', () => {
    expect([0, 1, 2, 3].map((k) => arrivalTime([], 4, k))).toEqual([0, 250, 500, 750]);
  });

  it('inverts arrivalsBy on ramps up and down', () => {
    for (const k of [1, 7, 125, 499, 500, 501, 999, 1_000, 1_100, 1_249]) {
      const t = arrivalTime(ramp, 0, k);
      expect(arrivalsBy(ramp, 0, t)).toBeCloseTo(k, 6);
      expect(arrivalsBy(ramp, 0, t - 1)).toBeLessThan(k);
    }
    // Half of the first triangle's area is reached at 1/sqrt(2) of its length.
    expect(arrivalTime(ramp, 0, 250)).toBeCloseTo(10_000 / Math.SQRT2, 6);
  });

  it('is Infinity once the rate has ended at 0', () => {
    expect(arrivalTime(ramp, 0, 1_251)).toBe(Number.POSITIVE_INFINITY);
    expect(arrivalTime([], 0, 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('holds the last target after the stages', () => {
    const stages = [{ duration: 1_000, target: 10 }];
    // 5 starts in the ramp (triangle), then 10/s.
    expect(arrivalTime(stages, 0, 5)).toBeCloseTo(1_000, 9);
    expect(arrivalTime(stages, 0, 6)).toBeCloseTo(1_100, 9);
  });
});

describe('ArrivalSchedule', () => {
  it('hands out arrival times in order without drift', () => {
    const schedule = new ArrivalSchedule([], 3);
    const times = Array.from({ length: 301 }, () => schedule.take());
    expect(times[0]).toBe(0);
    expect(times[3]).toBe(1_000);
    expect(times[300]).toBe(100_000);
    expect(schedule.peek()).toBeCloseTo(100_000 + 1_000 / 3, 9);
  });

  it('follows stages', () => {
    const schedule = new ArrivalSchedule(ramp, 0);
    for (let k = 0; k < 250; k++) schedule.take();
    expect(schedule.peek()).toBeCloseTo(10_000 / Math.SQRT2, 6);
  });
});

describe('closed-model targets', () => {
  it('ramps the active session count from 0, rounded, and is unlimited without stages', () => {
    const stages = [{ duration: 1_000, target: 10 }, { duration: 1_000, target: 2 }];
    expect([0, 40, 60, 500, 1_000, 1_500, 2_000, 5_000].map((t) => activeTarget(stages, t))).toEqual([0, 0, 1, 5, 10, 6, 2, 2]);
    expect(activeTarget([], 123)).toBe(Number.POSITIVE_INFINITY);
  });

  it('enables the first available slots in id order', () => {
    const noop = (): undefined => undefined;
    const slots = [1, 2, 3, 4].map((id) => new SessionSlot(id, id, async () => undefined, noop, noop));
    const unavailable = new Set([2]);
    expect(applyActiveTarget(slots, 2, (slot) => !unavailable.has(slot.id))).toBe(2);
    expect(slots.map((s) => s.enabled)).toEqual([true, false, true, false]);
    expect(applyActiveTarget(slots, Number.POSITIVE_INFINITY, () => true)).toBe(4);
  });
});
