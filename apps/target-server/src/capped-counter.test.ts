import { describe, expect, it } from 'vitest';
import { CappedCounter } from './capped-counter.js';

describe('CappedCounter', () => {
  it('counts per key', () => {
    const counter = new CappedCounter(10);
    counter.increment('a');
    counter.increment('b');
    counter.increment('a');
    expect(counter.toRecord()).toEqual({ a: 2, b: 1 });
    expect(counter.size).toBe(2);
    expect(counter.keys()).toEqual(['a', 'b']);
  });

  it('keeps counting known keys at the limit and sends new ones to untracked', () => {
    const counter = new CappedCounter<number>(2);
    expect(counter.increment(1)).toBe(true);
    expect(counter.increment(2)).toBe(true);
    expect(counter.increment(3)).toBe(false);
    expect(counter.increment(1)).toBe(true);
    expect(counter.toRecord()).toEqual({ '1': 2, '2': 1 });
    expect(counter.untracked).toBe(1);
  });

  it('clears keys and untracked', () => {
    const counter = new CappedCounter(1);
    counter.increment('a');
    counter.increment('b');
    counter.clear();
    expect(counter.size).toBe(0);
    expect(counter.untracked).toBe(0);
    expect(counter.increment('b')).toBe(true);
  });
});
