import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('closes in reverse order of start, once, even when a hook fails or hangs', async () => {
    const order: string[] = [];
    const warnings: string[] = [];
    const lifecycle = new Lifecycle({ warn: (msg) => warnings.push(msg), debug: () => undefined });
    lifecycle.onClose('first', () => void order.push('first'));
    lifecycle.onClose('hangs', () => new Promise(() => order.push('hangs')), 50);
    lifecycle.onClose('throws', () => {
      order.push('throws');
      throw new Error('boom');
    });
    lifecycle.onClose('last', async () => void order.push('last'));
    const outcomes = await lifecycle.close();
    expect(order).toEqual(['last', 'throws', 'hangs', 'first']);
    expect(outcomes.map((o) => `${o.name}:${o.outcome}`)).toEqual(['last:closed', 'throws:failed', 'hangs:timeout', 'first:closed']);
    expect(warnings.join('\n')).toMatch(/hangs did not close within 50 ms/);
    expect(warnings.join('\n')).toMatch(/throws failed to close/);
    expect(await lifecycle.close()).toBe(outcomes);
    expect(order).toHaveLength(4);
  });

  it('releases a component registered after close() began at once', async () => {
    const lifecycle = new Lifecycle();
    await lifecycle.close();
    let closed = false;
    lifecycle.onClose('late', () => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(closed).toBe(true);
  });
});
