import type { StageConfig } from './contracts.js';
import type { SessionSlot } from './session-slot.js';
import { stageValue } from './stages.js';

/**
 * Closed model: how many sessions should be running at `t` ms. With stages
 * the count ramps from 0 (rounded to the nearest session); without stages
 * every session takes part.
 */
export function activeTarget(stages: readonly StageConfig[], t: number): number {
  if (stages.length === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.round(stageValue(stages, 0, t)));
}

/**
 * Enables the first `target` available slots (in id order) and disables the
 * rest, so ramping up adds the next sessions and ramping down lets the newest
 * ones finish their job and go idle. Returns how many are enabled.
 */
export function applyActiveTarget<S>(
  slots: readonly SessionSlot<S>[],
  target: number,
  isAvailable: (slot: SessionSlot<S>) => boolean,
): number {
  let enabled = 0;
  for (const slot of slots) {
    slot.enabled = enabled < target && isAvailable(slot);
    if (slot.enabled) enabled++;
  }
  return enabled;
}
