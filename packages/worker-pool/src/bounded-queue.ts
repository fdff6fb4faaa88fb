import { RingBuffer } from './ring-buffer.js';

/**
 * FIFO queue that refuses items beyond a fixed capacity. The refusal is what
 * gives the pool its back-pressure: callers must wait instead of growing it.
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  #buffer: RingBuffer<T>;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    // Preallocated up to a sane bound; a huge capacity grows on demand instead.
    this.#buffer = new RingBuffer<T>(Math.min(capacity, 65_536));
  }

  get size(): number {
    return this.#buffer.size;
  }

  get isFull(): boolean {
    return this.#buffer.size >= this.capacity;
  }

  /** Appends `item`; returns false (and keeps nothing) when the queue is full. */
  offer(item: T): boolean {
    if (this.#buffer.size >= this.capacity) return false;
    this.#buffer.push(item);
    return true;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  poll(): T | undefined {
    return this.#buffer.shift();
  }
}
