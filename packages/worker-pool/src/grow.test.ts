import { describe, expect, it } from 'vitest';
import { WorkerPool, WorkerPoolOptionsError } from './index.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkerPool.grow()', () => {
  it('adds workers while running: queued jobs start on them at once', async () => {
    const pool = new WorkerPool({ workers: 2, queueCapacity: 10 });
    pool.start();
    const gates: (() => void)[] = [];
    const job = (): Promise<void> => new Promise<void>((resolve) => gates.push(resolve));
    for (let i = 0; i < 5; i++) pool.trySubmit(job);
    await settle();
    expect(pool.stats()).toMatchObject({ workers: 2, active: 2, queued: 3 });
    pool.grow(2);
    await settle();
    expect(pool.stats()).toMatchObject({ workers: 4, active: 4, queued: 1 });
    for (const open of gates.splice(0)) open();
    await settle();
    await settle();
    expect(pool.stats().active).toBe(1);
    for (const open of gates.splice(0)) open();
    await pool.stop();
    expect(pool.stats()).toMatchObject({ completed: 5, active: 0 });
  });

  it('rejects a count that is not a whole number >= 0; does nothing once stopping', async () => {
    const pool = new WorkerPool({ workers: 1 });
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => pool.grow(bad)).toThrow(WorkerPoolOptionsError);
    pool.start();
    await pool.stop();
    pool.grow(3);
    expect(pool.stats().workers).toBe(1);
  });
});
