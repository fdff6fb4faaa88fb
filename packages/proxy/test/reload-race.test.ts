import { afterEach, describe, expect, it, vi } from 'vitest';

// Each readFile call returns a promise the test settles by hand, so the order
// in which overlapping reads finish is chosen here, not by the disk.
const reads: Array<{ resolve: (text: string) => void; reject: (error: Error) => void }> = [];
vi.mock('node:fs/promises', () => ({
  readFile: vi.fn(
    () =>
      new Promise<string>((resolve, reject) => {
        reads.push({ resolve, reject });
      }),
  ),
}));

const { ProxyManager } = await import('../src/index.js');

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function settle(index: number, text: string): void {
  const read = reads[index];
  if (!read) throw new Error(`no read #${index}`);
  read.resolve(text);
}

describe('overlapping reloads', () => {
  afterEach(() => {
    reads.length = 0;
  });

  async function loaded(): Promise<InstanceType<typeof ProxyManager>> {
    const pending = ProxyManager.fromFile('proxies.txt');
    await flush();
    settle(0, 'http://initial:1');
    return pending;
  }

  it('the last reload started wins even when an older one finishes after it', async () => {
    const manager = await loaded();
    const older = manager.reload();
    const newer = manager.reload();
    await flush();
    settle(2, 'http://newer:1');
    await newer;
    settle(1, 'http://older:1');
    await older;
    expect(manager.next()?.host).toBe('newer');
  });

  it('an older reload finishing first is replaced by the newer one', async () => {
    const manager = await loaded();
    const older = manager.reload();
    const newer = manager.reload();
    await flush();
    settle(1, 'http://older:1');
    await older;
    expect(manager.next()?.host).toBe('initial');
    settle(2, 'http://newer:1');
    await newer;
    expect(manager.next()?.host).toBe('newer');
  });
});
