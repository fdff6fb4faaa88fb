import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Expirable } from './deadlines.js';

afterEach(() => {
  vi.useRealTimers();
});

function entry(deadline: number): Expirable & { expired: number } {
  return {
    deadline,
    deadlineSlot: -1,
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

  it('keeps every other entry when one in the middle is removed, and ignores a second add or delete', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const deadlines = new Deadlines(1_000);
    const now = performance.now();
    const entries = [entry(now + 50), entry(now + 5_000), entry(now + 50), entry(now + 5_000), entry(now + 50)];
    for (const e of entries) deadlines.add(e);
    deadlines.add(entries[0]!);
    expect(deadlines.size).toBe(5);
    deadlines.delete(entries[2]!);
    deadlines.delete(entries[2]!);
    expect(deadlines.size).toBe(4);
    vi.advanceTimersByTime(100);
    expect(entries.map((e) => e.expired)).toEqual([1, 0, 0, 0, 1]);
    expect(deadlines.size).toBe(2);
    deadlines.delete(entries[1]!);
    deadlines.delete(entries[3]!);
    expect(deadlines.size).toBe(0);
  });

  it('sweeps on when an expiring entry removes others', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const deadlines = new Deadlines(1_000);
    const now = performance.now();
    const others = [entry(now + 50), entry(now + 50)];
    const first: Expirable & { expired: number } = {
      deadline: now + 50,
      deadlineSlot: -1,
      expired: 0,
      expire() {
        this.expired += 1;
        for (const o of others) deadlines.delete(o);
      },
    };
    deadlines.add(others[0]!);
    deadlines.add(first);
    deadlines.add(others[1]!);
    vi.advanceTimersByTime(100);
    expect(first.expired).toBe(1);
    expect(others[0]!.expired + others[1]!.expired).toBeLessThanOrEqual(1);
    expect(deadlines.size).toBe(0);
  });
});
