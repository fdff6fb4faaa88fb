import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('is FIFO across wrap-around and growth', () => {
    const buffer = new RingBuffer<number>(2);
    const out: number[] = [];
    buffer.push(1);
    buffer.push(2);
    out.push(buffer.shift() as number); // head moves: next pushes wrap
    buffer.push(3);
    buffer.push(4); // full at 2 slots? grows to 4 while wrapped
    buffer.push(5);
    expect(buffer.size).toBe(4);
    expect(buffer.peek()).toBe(2);
    for (let item = buffer.shift(); item !== undefined; item = buffer.shift()) out.push(item);
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(buffer.size).toBe(0);
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.peek()).toBeUndefined();
  });
});

describe('BoundedQueue', () => {
  it('refuses items beyond its capacity and stays FIFO', () => {
    const queue = new BoundedQueue<string>(2);
    expect(queue.offer('a')).toBe(true);
    expect(queue.offer('b')).toBe(true);
    expect(queue.isFull).toBe(true);
    expect(queue.offer('c')).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.poll()).toBe('a');
    expect(queue.offer('d')).toBe(true);
    expect([queue.poll(), queue.poll(), queue.poll()]).toEqual(['b', 'd', undefined]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });
});
