import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProxyManager, type ProxyEntry, type ProxyEvent } from './index.js';

const LIST = 'http://a:1\nhttp://b:2\nhttp://c:3';

function setup(options: { maxFailures?: number; cooldownMs?: number; maxCooldownMs?: number } = {}) {
  let t = 0;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const manager = ProxyManager.fromText(LIST, { maxFailures: 2, cooldownMs: 1_000, ...options, now: clock.now });
  const events: string[] = [];
  manager.subscribe((event: ProxyEvent) => events.push(`${event.type} ${event.entry.host}`));
  const entry = (host: string): ProxyEntry => {
    for (let i = 0; i < 3; i++) {
      const e = manager.next();
      if (e?.host === host) return e;
    }
    throw new Error(`no ${host}`);
  };
  const state = (host: string) => manager.stats().find((s) => s.display.includes(`//${host}:`))?.state;
  return { clock, manager, events, entry, state };
}

function picks(manager: ProxyManager, n: number): string[] {
  return Array.from({ length: n }, () => manager.nextHealthy()?.host ?? 'none');
}

describe('circuit breaker', () => {
  it('opens after maxFailures consecutive failures: skipped, not usable, one open event', () => {
    const { manager, events, entry, state } = setup();
    const b = entry('b');
    manager.reportFailure(b);
    expect(state('b')).toBe('closed');
    manager.reportFailure(b);
    expect(state('b')).toBe('open');
    expect(manager.isUsable(b)).toBe(false);
    // Requests that were in flight fail too: no second event, no longer cool-down.
    manager.reportFailure(b);
    expect(events).toEqual(['open b']);
    expect(picks(manager, 4)).not.toContain('b');
  });

  it('after the cool-down is half-open: one probe is handed out, and its success closes the circuit', () => {
    const { clock, manager, events, entry, state } = setup();
    const a = entry('a');
    manager.reportFailure(a);
    manager.reportFailure(a);
    clock.advance(999);
    expect(state('a')).toBe('open');
    clock.advance(1);
    expect(state('a')).toBe('half_open');
    expect(manager.isUsable(a)).toBe(true);
    // a is handed out once (the probe), then skipped while the probe is outstanding.
    const handed = picks(manager, 6);
    expect(handed.filter((host) => host === 'a')).toHaveLength(1);
    manager.reportSuccess(a);
    expect(state('a')).toBe('closed');
    expect(events).toEqual(['open a', 'closed a']);
    const after = picks(manager, 30).filter((host) => host === 'a').length;
    expect(after).toBeGreaterThanOrEqual(9);
    expect(after).toBeLessThanOrEqual(11);
    expect(manager.report()[0]).toMatchObject({ proxy: 'http://a:1', circuit: 'closed', unhealthy_ms: 1_000, failed: 2, requests: 3 });
  });

  it('a failed probe re-opens it with the cool-down doubled each time, up to maxCooldownMs', () => {
    const { clock, manager, events, entry } = setup({ maxCooldownMs: 3_000 });
    const c = entry('c');
    manager.reportFailure(c);
    manager.reportFailure(c);
    const untils: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(manager.stats()[2]!.until! - clock.now());
      manager.reportFailure(c); // the probe fails
      untils.push(manager.stats()[2]!.until! - clock.now());
    }
    expect(untils).toEqual([2_000, 3_000, 3_000]);
    expect(events).toEqual(['open c', 'open c', 'open c', 'open c']);
    // A success closes it and the back-off starts over.
    clock.advance(3_000);
    manager.reportSuccess(c);
    manager.reportFailure(c);
    manager.reportFailure(c);
    expect(manager.stats()[2]!.until! - clock.now()).toBe(1_000);
  });

  it('ignores a response that arrives while open (a request sent before the trip)', () => {
    const { manager, entry, state } = setup();
    const a = entry('a');
    manager.reportFailure(a);
    manager.reportFailure(a);
    manager.reportSuccess(a);
    expect(state('a')).toBe('open');
  });

  it('writes off a probe that never reports within a cool-down and hands out another', () => {
    const { clock, manager, entry } = setup();
    const a = entry('a');
    manager.reportFailure(a);
    manager.reportFailure(a);
    clock.advance(1_000);
    expect(picks(manager, 6).filter((host) => host === 'a')).toHaveLength(1);
    expect(picks(manager, 6).filter((host) => host === 'a')).toHaveLength(0);
    clock.advance(1_000);
    expect(picks(manager, 6).filter((host) => host === 'a')).toHaveLength(1);
  });

  it('nextHealthy() gives undefined when every circuit is open; next() still rotates over the list', () => {
    const { manager, entry } = setup({ maxFailures: 1 });
    for (const host of ['a', 'b', 'c']) manager.reportFailure(entry(host));
    expect(manager.nextHealthy()).toBeUndefined();
    expect(manager.healthy()).toEqual([]);
    expect(manager.next()).toBeDefined();
  });

  it('never opens with maxFailures Infinity', () => {
    const { manager, entry, state } = setup({ maxFailures: Infinity });
    const a = entry('a');
    for (let i = 0; i < 50; i++) manager.reportFailure(a);
    expect(state('a')).toBe('closed');
  });

  it('reports per proxy: requests, failed, failovers, circuit at the end and time unhealthy', () => {
    const { clock, manager, entry } = setup();
    const [a, b] = [entry('a'), entry('b')];
    manager.reportSuccess(a);
    manager.reportSuccess(a);
    manager.reportFailure(b);
    manager.reportFailure(b);
    manager.reportFailover(b);
    manager.reportFailover(b);
    clock.advance(250);
    expect(manager.report()).toEqual([
      { proxy: 'http://a:1', source: '<inline>', line: 1, weight: 1, requests: 2, failed: 0, failovers: 0, circuit: 'closed', unhealthy_ms: 0 },
      { proxy: 'http://b:2', source: '<inline>', line: 2, weight: 1, requests: 2, failed: 2, failovers: 2, circuit: 'open', unhealthy_ms: 250 },
      { proxy: 'http://c:3', source: '<inline>', line: 3, weight: 1, requests: 0, failed: 0, failovers: 0, circuit: 'closed', unhealthy_ms: 0 },
    ]);
  });
});

describe('reload', () => {
  it('tells subscribers which proxies left the list and keeps them in the report as removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'se-proxy-circuit-'));
    try {
      const path = join(dir, 'proxies.txt');
      await writeFile(path, LIST);
      const manager = await ProxyManager.fromFile(path);
      const events: string[] = [];
      manager.subscribe((event) => events.push(`${event.type} ${event.entry.host}`));
      const b = manager.next() && manager.next();
      await writeFile(path, 'http://a:1\nhttp://c:3\nhttp://d:4\n');
      expect(await manager.reload()).toEqual({ count: 3, added: 1, removed: 1 });
      expect(events).toEqual(['removed b']);
      expect(manager.isUsable(b as ProxyEntry)).toBe(false);
      expect(manager.report().map((row) => [row.proxy, row.circuit])).toEqual([
        ['http://a:1', 'closed'],
        ['http://b:2', 'removed'],
        ['http://c:3', 'closed'],
        ['http://d:4', 'closed'],
      ]);
      // Listed again: the same record comes back.
      await writeFile(path, LIST);
      await manager.reload();
      expect(manager.report().map((row) => [row.proxy, row.circuit])).toEqual([
        ['http://a:1', 'closed'],
        ['http://b:2', 'closed'],
        ['http://c:3', 'closed'],
        ['http://d:4', 'removed'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unsubscribed listener hears nothing; a throwing one reaches the reporter after the others ran', () => {
    const manager = ProxyManager.fromText(LIST, { maxFailures: 1 });
    const heard: string[] = [];
    const off = manager.subscribe(() => heard.push('first'));
    manager.subscribe(() => {
      throw new Error('listener failed');
    });
    manager.subscribe(() => heard.push('third'));
    const a = manager.next() as ProxyEntry;
    expect(() => manager.reportFailure(a)).toThrow('listener failed');
    expect(heard).toEqual(['first', 'third']);
    off();
    const b = manager.next() as ProxyEntry;
    expect(() => manager.reportFailure(b)).toThrow('listener failed');
    expect(heard).toEqual(['first', 'third', 'third']);
  });
});

describe('active health checks', () => {
  it('a successful check closes an open circuit at once; a failed one leaves it open', () => {
    const { clock, manager, events, entry, state } = setup();
    const a = entry('a');
    manager.reportFailure(a);
    manager.reportFailure(a);
    expect(manager.unhealthy().map((e) => e.host)).toEqual(['a']);
    const until = manager.stats()[0]!.until;
    manager.reportCheck(a, false);
    expect(state('a')).toBe('open');
    expect(manager.stats()[0]!.until).toBe(until);
    clock.advance(400);
    manager.reportCheck(a, true);
    expect(state('a')).toBe('closed');
    expect(events).toEqual(['open a', 'closed a']);
    expect(manager.unhealthy()).toEqual([]);
    expect(manager.report()[0]).toMatchObject({ unhealthy_ms: 400, requests: 2 });
  });

  it('a failed check of a half-open circuit re-opens it with back-off; closed circuits are left alone', () => {
    const { clock, manager, events, entry, state } = setup();
    const b = entry('b');
    manager.reportCheck(b, false);
    manager.reportCheck(b, true);
    expect(events).toEqual([]);
    manager.reportFailure(b);
    manager.reportFailure(b);
    clock.advance(1_000);
    expect(state('b')).toBe('half_open');
    manager.reportCheck(b, false);
    expect(state('b')).toBe('open');
    expect(manager.stats()[1]!.until! - clock.now()).toBe(2_000);
    expect(events).toEqual(['open b', 'open b']);
  });
});
