import { describe, expect, it } from 'vitest';
import { ProxyManager, parseProxyList, ProxyListError, type ProxyEntry } from './index.js';

function picks(manager: ProxyManager, n: number): string[] {
  return Array.from({ length: n }, () => manager.next()?.host ?? 'direct');
}

function shares(hosts: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const host of hosts) counts[host] = (counts[host] ?? 0) + 1;
  return counts;
}

describe('weights in the proxy list', () => {
  it('reads weight=<n> after the URL, before a comment; default 1', () => {
    const entries = parseProxyList('http://a:1 weight=3\nhttp://b:2\nsocks5://u:p@c:3\tWEIGHT=12   # big one\n');
    expect(entries.map((e) => [e.host, e.weight])).toEqual([
      ['a', 3],
      ['b', 1],
      ['c', 12],
    ]);
    expect(entries[2]?.url).toBe('socks5://u:p@c:3');
  });

  it.each([
    ['http://a:1 weight=0', 'bad weight 0; use a whole number from 1 to 1000'],
    ['http://a:1 weight=1001', 'bad weight 1001'],
    ['http://a:1 weight=2.5', 'unexpected text after the proxy URL; only "weight=<n>" may follow it'],
    ['http://a:1 weight=2 weight=3', 'weight given twice'],
    ['http://a:1 http://b:2', 'unexpected text after the proxy URL'],
  ])('rejects %j with a reason that says how to fix it', (line, reason) => {
    expect(() => parseProxyList(line, 'p.txt')).toThrow(ProxyListError);
    expect(() => parseProxyList(line, 'p.txt')).toThrow(`p.txt:1: ${reason}`);
  });

  it('never echoes text after the URL (it may be the rest of a password with a raw space)', () => {
    let message = '';
    try {
      parseProxyList('http://h:1 s3cret-tail');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('percent-encode a space in credentials as %20');
    expect(message).not.toContain('s3cret');
  });
});

describe('smooth weighted round robin', () => {
  it("spreads a heavy proxy out as nginx does: 5,1,1 gives a a b a c a a", () => {
    const manager = ProxyManager.fromText('http://a:1 weight=5\nhttp://b:2\nhttp://c:3');
    expect(picks(manager, 14)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a', 'a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('equal weights are plain round robin in list order', () => {
    const manager = ProxyManager.fromText('http://a:1 weight=2\nhttp://b:2 weight=2\nhttp://c:3 weight=2');
    expect(picks(manager, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('gives each proxy its configured share within 5% over 1000 sessions', () => {
    const manager = ProxyManager.fromText('http://a:1 weight=5\nhttp://b:2 weight=3\nhttp://c:3 weight=2\nhttp://d:4 weight=7');
    const counts = shares(picks(manager, 1000));
    const total = 5 + 3 + 2 + 7;
    for (const [host, weight] of [['a', 5], ['b', 3], ['c', 2], ['d', 7]] as const) {
      const share = (counts[host] ?? 0) / 1000;
      expect(Math.abs(share - weight / total), host).toBeLessThan(0.05 * (weight / total));
    }
  });

  it('shares out an open proxy\'s turn among the others by their weights', () => {
    const manager = ProxyManager.fromText('http://a:1 weight=3\nhttp://b:2 weight=1\nhttp://c:3 weight=2', { maxFailures: 1 });
    const c = parseProxyList('http://c:3')[0] as ProxyEntry;
    manager.reportFailure(c);
    const counts = shares(picks(manager, 400));
    expect(counts).toEqual({ a: 300, b: 100 });
  });

  it('duplicate lines add up (the old way to weight a proxy) and share one circuit', () => {
    const manager = ProxyManager.fromText('http://a:1\nhttp://b:2\nhttp://a:1 weight=2', { maxFailures: 1 });
    expect(shares(picks(manager, 400))).toEqual({ a: 300, b: 100 });
    manager.reportFailure(parseProxyList('http://a:1')[0] as ProxyEntry);
    expect(shares(picks(manager, 10))).toEqual({ b: 10 });
    expect(manager.report()).toHaveLength(2);
  });
});
