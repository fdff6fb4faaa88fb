import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProxyManager, parseProxyList, type ProxyEntry, type ProxyManagerOptions } from './index.js';

const LIST = 'http://a:1\nhttp://b:2\nhttp://c:3';

function hosts(manager: ProxyManager, n: number): string[] {
  return Array.from({ length: n }, () => manager.next()?.host ?? 'direct');
}

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function byHost(manager: ProxyManager, host: string): ProxyEntry {
  const entry = parseProxyList(LIST).find((e) => e.host === host);
  if (!entry) throw new Error(host);
  expect(manager.count()).toBeGreaterThan(0);
  return entry;
}

describe('ProxyManager rotation', () => {
  it('hands out proxies round-robin and wraps', () => {
    const manager = ProxyManager.fromText(LIST);
    expect(manager.count()).toBe(3);
    expect(hosts(manager, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('keeps one rotation for async callers that interleave, also across a reload in flight', async () => {
    // Sessions pick proxies from many async paths at once, with awaits between
    // picks and a reload possibly reading the file meanwhile. The rotation is
    // shared: picks in the order they happen walk the list one step at a time,
    // no caller ever goes direct, and the rotation goes on over the new list.
    const dir = await mkdtemp(join(tmpdir(), 'se-proxy-interleave-'));
    try {
      const path = join(dir, 'proxies.txt');
      await writeFile(path, LIST);
      const manager = await ProxyManager.fromFile(path);
      await writeFile(path, 'http://x:1\nhttp://y:2\n');
      const order: (string | undefined)[] = [];
      let reloaded = false;
      const reload = manager.reload().then(() => {
        reloaded = true;
      });
      const pick = async (): Promise<void> => {
        order.push(manager.next()?.host);
        await new Promise((resolve) => setImmediate(resolve));
      };
      // Each caller picks until the reload has landed, then twice more.
      const caller = async (): Promise<void> => {
        while (!reloaded) await pick();
        await pick();
        await pick();
      };
      await Promise.all([caller(), caller(), caller(), caller(), reload]);

      expect(order).not.toContain(undefined);
      const cut = order.findIndex((host) => host === 'x' || host === 'y');
      expect(cut).toBeGreaterThan(0);
      const before = order.slice(0, cut);
      const after = order.slice(cut);
      // One step per pick across all callers: no pick repeats or skips a proxy of the list it was made from.
      expect(before).toEqual(before.map((_, i) => ['a', 'b', 'c'][i % 3]));
      // x and y are new to the rotation: it starts over with them, in list order.
      expect(after).toEqual(after.map((_, i) => ['x', 'y'][i % 2]));
      expect(after.length).toBeGreaterThanOrEqual(8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns undefined (direct) for an empty list', () => {
    for (const manager of [new ProxyManager(), ProxyManager.fromText('# none\n')]) {
      expect(manager.count()).toBe(0);
      expect(manager.next()).toBeUndefined();
      expect(manager.healthy()).toEqual([]);
      expect(manager.stats()).toEqual([]);
    }
  });

  it('uses the given source for fromText errors and entries', () => {
    expect(ProxyManager.fromText('http://a:1', { source: 'inline-list' }).next()?.source).toBe('inline-list');
    expect(() => ProxyManager.fromText('http://a:1\nftp://b:2', { source: 'inline-list' })).toThrow(
      'inline-list:2: unsupported scheme',
    );
  });

  it('keeps a fromText list on reload', async () => {
    const manager = ProxyManager.fromText(LIST);
    await manager.reload();
    expect(hosts(manager, 3)).toEqual(['a', 'b', 'c']);
  });

  it.each<[ProxyManagerOptions, string]>([
    [{ maxFailures: 0 }, 'maxFailures'],
    [{ maxFailures: 1.5 }, 'maxFailures'],
    [{ cooldownMs: -1 }, 'cooldownMs'],
    [{ cooldownMs: Number.NaN }, 'cooldownMs'],
    [{ now: 5 as unknown as () => number }, 'now'],
  ])('rejects bad options %o', (options, option) => {
    expect(() => new ProxyManager([], options)).toThrow(expect.objectContaining({ code: 'SE_ERR_PROXY_INVALID_OPTIONS', option }));
  });
});

describe('ProxyManager health', () => {
  it('marks a proxy unhealthy after maxFailures consecutive failures and skips it', () => {
    const clock = fakeClock();
    const manager = ProxyManager.fromText(LIST, { maxFailures: 2, now: clock.now });
    const b = byHost(manager, 'b');
    manager.reportFailure(b);
    expect(hosts(manager, 3)).toEqual(['a', 'b', 'c']);
    manager.reportFailure(b);
    expect(hosts(manager, 4)).toEqual(['a', 'c', 'a', 'c']);
    expect(manager.healthy().map((e) => e.host)).toEqual(['a', 'c']);
  });

  it('defaults to 3 failures and a 30 s cooldown', () => {
    const clock = fakeClock();
    const manager = ProxyManager.fromText(LIST, { now: clock.now });
    const a = byHost(manager, 'a');
    manager.reportFailure(a);
    manager.reportFailure(a);
    expect(manager.healthy()).toHaveLength(3);
    manager.reportFailure(a);
    expect(manager.stats()[0]).toEqual({
      display: 'http://a:1',
      source: '<inline>',
      line: 1,
      weight: 1,
      state: 'open',
      failures: 3,
      healthy: false,
      until: 31_000,
    });
    clock.advance(29_999);
    expect(manager.healthy()).toHaveLength(2);
    clock.advance(1);
    expect(manager.healthy()).toHaveLength(3);
  });

  it('a success resets the consecutive count', () => {
    const manager = ProxyManager.fromText(LIST, { maxFailures: 2, now: fakeClock().now });
    const a = byHost(manager, 'a');
    manager.reportFailure(a);
    manager.reportSuccess(a);
    manager.reportFailure(a);
    expect(manager.stats()[0]).toMatchObject({ failures: 1, healthy: true, until: null });
  });

  it('recovers after the cooldown and re-trips on the next failure (half-open)', () => {
    const clock = fakeClock();
    const onUnhealthy = vi.fn();
    const manager = ProxyManager.fromText(LIST, { maxFailures: 2, cooldownMs: 5_000, now: clock.now, onUnhealthy });
    const c = byHost(manager, 'c');
    manager.reportFailure(c);
    manager.reportFailure(c);
    expect(hosts(manager, 3)).toEqual(['a', 'b', 'a']);
    clock.advance(5_000);
    expect(hosts(manager, 3)).toEqual(['b', 'c', 'a']);
    manager.reportFailure(c);
    // The failed probe re-opens it with the cool-down doubled (back-off).
    expect(manager.stats()[2]).toMatchObject({ failures: 3, healthy: false, state: 'open', until: 16_000 });
    expect(onUnhealthy).toHaveBeenCalledTimes(2);
    clock.advance(10_000);
    manager.reportSuccess(c);
    expect(manager.stats()[2]).toMatchObject({ failures: 0, healthy: true, until: null });
  });

  it('calls onUnhealthy once per trip, with the list entry, failures and until', () => {
    const clock = fakeClock();
    const onUnhealthy = vi.fn();
    const manager = ProxyManager.fromText(LIST, { maxFailures: 2, cooldownMs: 100, now: clock.now, onUnhealthy });
    const a = byHost(manager, 'a');
    manager.reportFailure(a);
    expect(onUnhealthy).not.toHaveBeenCalled();
    manager.reportFailure(a);
    // In-flight requests failing after the trip neither call it again nor extend the cooldown.
    manager.reportFailure(a);
    manager.reportFailure(a);
    expect(onUnhealthy).toHaveBeenCalledTimes(1);
    const [entry, info] = onUnhealthy.mock.calls[0] as [ProxyEntry, unknown];
    expect(entry.display).toBe('http://a:1');
    expect(info).toEqual({ failures: 2, until: 1_100 });
    expect(manager.stats()[0]).toMatchObject({ failures: 4, until: 1_100 });
  });

  it('nextHealthy(except) hands out another healthy proxy, never the one a session is leaving', () => {
    const manager = ProxyManager.fromText(LIST, { maxFailures: 2, now: fakeClock().now });
    const [a, b, c] = ['a', 'b', 'c'].map((host) => byHost(manager, host));
    // b failed once: its circuit is still closed, but the session leaving it must get a or c.
    manager.reportFailure(b!);
    const picks = Array.from({ length: 4 }, () => manager.nextHealthy(b)?.host);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
    // Only the proxy left is the one it is leaving: none.
    manager.reportFailure(a!);
    manager.reportFailure(a!);
    manager.reportFailure(c!);
    manager.reportFailure(c!);
    expect(manager.nextHealthy(b)).toBeUndefined();
    expect(manager.nextHealthy()?.host).toBe('b');
  });

  it('falls back to plain rotation when every proxy is unhealthy', () => {
    const manager = ProxyManager.fromText(LIST, { maxFailures: 1, now: fakeClock().now });
    expect(hosts(manager, 1)).toEqual(['a']);
    for (const host of ['a', 'b', 'c']) manager.reportFailure(byHost(manager, host));
    expect(manager.healthy()).toEqual([]);
    expect(hosts(manager, 4)).toEqual(['b', 'c', 'a', 'b']);
  });

  it('never skips with cooldownMs 0', () => {
    const onUnhealthy = vi.fn();
    const manager = ProxyManager.fromText(LIST, { maxFailures: 1, cooldownMs: 0, onUnhealthy });
    manager.reportFailure(byHost(manager, 'a'));
    expect(hosts(manager, 3)).toEqual(['a', 'b', 'c']);
    expect(onUnhealthy).not.toHaveBeenCalled();
  });

  it('ignores reports for proxies it does not know', () => {
    const manager = ProxyManager.fromText(LIST, { maxFailures: 1 });
    const other = parseProxyList('http://zzz:9')[0] as ProxyEntry;
    manager.reportFailure(other);
    manager.reportSuccess(other);
    expect(manager.healthy()).toHaveLength(3);
  });

  it('treats duplicate lines as one proxy for health', () => {
    const manager = ProxyManager.fromText('http://a:1\nhttp://b:2\nhttp://a:1', { maxFailures: 1, now: fakeClock().now });
    manager.reportFailure(byHost(manager, 'a'));
    expect(hosts(manager, 3)).toEqual(['b', 'b', 'b']);
  });

  it('propagates an onUnhealthy error after updating the state', () => {
    const manager = ProxyManager.fromText(LIST, {
      maxFailures: 1,
      now: fakeClock().now,
      onUnhealthy: () => {
        throw new Error('hook failed');
      },
    });
    expect(() => manager.reportFailure(byHost(manager, 'a'))).toThrow('hook failed');
    expect(manager.stats()[0]?.healthy).toBe(false);
  });
});

describe('ProxyManager.fromFile and reload', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'se-proxy-manager-'));
    path = join(dir, 'proxies.txt');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a file', async () => {
    await writeFile(path, LIST);
    const manager = await ProxyManager.fromFile(path);
    expect(manager.count()).toBe(3);
    expect(manager.next()?.source).toBe(path);
  });

  it('fails with SE_ERR_PROXY_FILE or SE_ERR_PROXY_BAD_LINE', async () => {
    await expect(ProxyManager.fromFile(join(dir, 'nope.txt'))).rejects.toMatchObject({ code: 'SE_ERR_PROXY_FILE' });
    await writeFile(path, 'ftp://x:1');
    await expect(ProxyManager.fromFile(path)).rejects.toMatchObject({ code: 'SE_ERR_PROXY_BAD_LINE' });
  });

  it('reload swaps in the new list and keeps health of proxies still listed', async () => {
    await writeFile(path, LIST);
    const clock = fakeClock();
    const manager = await ProxyManager.fromFile(path, { maxFailures: 1, now: clock.now });
    const oldB = byHost(manager, 'b');
    manager.reportFailure(oldB);
    await writeFile(path, 'http://b:2\nhttp://d:4\nhttp://e:5\n');
    await manager.reload();
    expect(manager.count()).toBe(3);
    expect(manager.stats().map((s) => [s.display, s.healthy])).toEqual([
      ['http://b:2', false],
      ['http://d:4', true],
      ['http://e:5', true],
    ]);
    // An entry handed out before the reload still reports against the same proxy.
    clock.advance(30_000);
    manager.reportSuccess(oldB);
    expect(manager.healthy()).toHaveLength(3);
  });

  it('a failed reload keeps the old list and throws', async () => {
    await writeFile(path, LIST);
    const manager = await ProxyManager.fromFile(path);
    expect(hosts(manager, 1)).toEqual(['a']);

    await writeFile(path, 'http://x:1\nftp://bad:2\n');
    await expect(manager.reload()).rejects.toMatchObject({ code: 'SE_ERR_PROXY_BAD_LINE' });
    await rm(path);
    await expect(manager.reload()).rejects.toMatchObject({ code: 'SE_ERR_PROXY_FILE', osCode: 'ENOENT' });

    expect(manager.count()).toBe(3);
    expect(hosts(manager, 3)).toEqual(['b', 'c', 'a']);
  });

  it('refuses to reload an empty list over a non-empty one', async () => {
    await writeFile(path, LIST);
    const manager = await ProxyManager.fromFile(path);
    await writeFile(path, '# emptied\n');
    await expect(manager.reload()).rejects.toMatchObject({ code: 'SE_ERR_PROXY_RELOAD_EMPTY', path });
    expect(manager.count()).toBe(3);
  });

  it('reloads from empty to a list, and empty to empty', async () => {
    await writeFile(path, '');
    const manager = await ProxyManager.fromFile(path);
    await manager.reload();
    expect(manager.next()).toBeUndefined();
    await writeFile(path, 'http://a:1');
    await manager.reload();
    expect(manager.next()?.host).toBe('a');
  });

  it('keeps the rotation weights of proxies still listed; new ones start afresh', async () => {
    await writeFile(path, LIST);
    const manager = await ProxyManager.fromFile(path);
    expect(hosts(manager, 1)).toEqual(['a']);
    await writeFile(path, 'http://b:2\nhttp://c:3\nhttp://x:1\n');
    await manager.reload();
    // b and c were ahead of a in the rotation and stay ahead of the new x.
    expect(hosts(manager, 6)).toEqual(['b', 'c', 'x', 'b', 'c', 'x']);
  });
});
