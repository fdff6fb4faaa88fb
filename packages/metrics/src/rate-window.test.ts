import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window.js';

describe('RateWindow', () => {
  it('counts whole seconds inside the window', () => {
    const w = new RateWindow();
    for (let s = 0; s < 30; s++) for (let i = 0; i < 10; i++) w.record(s * 1000 + 500);
    expect(w.rate(30_000, 10_000, 0)).toBe(10);
    expect(w.rate(30_000, 60_000, 0)).toBe(10);
    // The partial current second counts, over the time it has lasted.
    for (let i = 0; i < 50; i++) w.record(30_500);
    expect(w.rate(31_000, 10_000, 0)).toBe(14);
    expect(w.rate(31_000, 1_000, 0)).toBe(50);
  });

  it('does not count a slot left over from a previous lap of the ring', () => {
    const w = new RateWindow();
    for (let i = 0; i < 100; i++) w.record(28_000);
    // Second 90 shares second 28's slot (62 slots).
    expect(w.rate(90_500, 1_000, 0)).toBe(0);
    w.record(90_200);
    expect(w.rate(91_000, 1_000, 0)).toBe(1);
  });

  it('does not dilute a young run with time before it started', () => {
    const w = new RateWindow();
    for (let i = 0; i < 20; i++) w.record(1_500);
    expect(w.rate(3_000, 10_000, 1_000)).toBe(10);
    expect(w.rate(1_000, 10_000, 1_000)).toBe(0);
  });

  it('handles negative clock values and resets', () => {
    const w = new RateWindow();
    w.record(-1_500);
    w.record(-1_200);
    expect(w.rate(-1_000, 1_000, -5_000)).toBe(2);
    w.reset();
    expect(w.rate(-1_000, 1_000, -5_000)).toBe(0);
  });
});
