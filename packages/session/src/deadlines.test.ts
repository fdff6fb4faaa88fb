import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Expirable } from './deadlines.js';

afterEach(() => {
  vi.useRealTimers();
});

function entry(deadline: number): Expirable & { expired: number } {
  return {
    deadline,
    expired: 0,
    expire() {
      this.expired += 1;
    },
  };
}

describe('Deadlines', () => {
  it('expires overdue entries once, leaves the others, and stops its timer when idle', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const deadlines = new Deadlines(1_000); // sweeps every 100 ms
    const soon = entry(performance.now() + 150);
    const later = entry(performance.now() + 10_000);
    const done = entry(performance.now() + 50);
    deadlines.add(soon);
    deadlines.add(later);
    deadlines.add(done);
    deadlines.delete(done);
    vi.advanceTimersByTime(100);
    expect(soon.expired).toBe(0);
    vi.advanceTimersByTime(100);
    expect([soon.expired, later.expired, done.expired]).toEqual([1, 0, 0]);
    expect(deadlines.size).toBe(1);
    deadlines.delete(later);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});
