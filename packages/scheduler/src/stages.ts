import type { StageConfig } from './contracts.js';

/**
 * Stage math, k6 style: each stage moves a value linearly from the previous
 * stage's target (or `start` for the first) to its own target over its
 * duration; after the last stage the last target holds. Times are ms since
 * the run started. Pure functions, so the ramp is tested without a clock.
 */

/** Sum of the stage durations (ms). */
export function stagesDuration(stages: readonly StageConfig[]): number {
  let total = 0;
  for (const stage of stages) total += stage.duration;
  return total;
}

/** The ramped value at `t` ms. With no stages it is `start`. */
export function stageValue(stages: readonly StageConfig[], start: number, t: number): number {
  let from = start;
  let offset = 0;
  for (const stage of stages) {
    if (t < offset + stage.duration) {
      return from + ((stage.target - from) * (t - offset)) / stage.duration;
    }
    offset += stage.duration;
    from = stage.target;
  }
  return from;
}

/**
 * Number of arrivals due by `t` ms when the rate (starts per second) follows
 * the stages: the integral of the rate from 0 to `t`.
 */
export function arrivalsBy(stages: readonly StageConfig[], startRate: number, t: number): number {
  let from = startRate;
  let offset = 0;
  let total = 0;
  for (const stage of stages) {
    const d = stage.duration;
    if (t < offset + d) {
      const tau = t - offset;
      return total + (from * tau + ((stage.target - from) * tau * tau) / (2 * d)) / 1000;
    }
    total += ((from + stage.target) * d) / 2000;
    offset += d;
    from = stage.target;
  }
  return total + (from * (t - offset)) / 1000;
}

/**
 * When arrival number `k` (0-based) is due, in ms since the start: the first
 * `t` at which `arrivalsBy(t) >= k`. `Infinity` if the rate never gets there
 * (it ends at 0). With a constant rate this is exactly `k * 1000 / rate`.
 */
export function arrivalTime(stages: readonly StageConfig[], startRate: number, k: number): number {
  if (k <= 0) return 0;
  let from = startRate;
  let offset = 0;
  let remaining = k * 1000; // in "rate x ms" units, so no division per stage
  for (const stage of stages) {
    const d = stage.duration;
    const area = ((from + stage.target) * d) / 2;
    if (d > 0 && area >= remaining) {
      return offset + solveRamp(from, stage.target, d, remaining);
    }
    remaining -= area;
    offset += d;
    from = stage.target;
  }
  return from > 0 ? offset + remaining / from : Number.POSITIVE_INFINITY;
}

/**
 * The tau in [0, d] where the area under a line from r0 to r1 over d reaches
 * `area`: a*tau^2 + r0*tau = area with a = (r1 - r0) / (2d). Written as
 * 2c / (b + sqrt(b^2 + 4ac)) so it stays exact for a -> 0 and a < 0.
 */
function solveRamp(r0: number, r1: number, d: number, area: number): number {
  if (area <= 0) return 0;
  const a = (r1 - r0) / (2 * d);
  const disc = Math.max(0, r0 * r0 + 4 * a * area);
  const denominator = r0 + Math.sqrt(disc);
  return denominator > 0 ? Math.min(d, (2 * area) / denominator) : d;
}
