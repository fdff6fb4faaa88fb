import { describe, expect, it } from 'vitest';
import { median, ratio, ratios, spread, summarise } from '../src/stats.mjs';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores values that are not finite and is undefined when none is left', () => {
    expect(median([Number.NaN, 5, Number.POSITIVE_INFINITY])).toBe(5);
    expect(median([])).toBeUndefined();
  });
});

describe('spread', () => {
  it('gives median, min, max and the number of runs that had the field', () => {
    const runs = [{ rps: 10 }, { rps: 30 }, { rps: 20 }, { other: 1 }];
    expect(spread(runs, 'rps')).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(spread(runs, 'missing')).toBeUndefined();
  });
});

describe('ratio', () => {
  it('divides medians and refuses a zero or missing denominator', () => {
    const a = { median: 30, min: 0, max: 0, n: 1 };
    const b = { median: 20, min: 0, max: 0, n: 1 };
    expect(ratio(a, b)).toBe(1.5);
    expect(ratio(a, { ...b, median: 0 })).toBeUndefined();
    expect(ratio(undefined, b)).toBeUndefined();
  });
});

describe('summarise and ratios', () => {
  const records = [
    { scenario: 's', kind: 'closed', tool: 'engine', run: 1, rps: 100, reqPerCpuS: 50, requests: 500 },
    { scenario: 's', kind: 'closed', tool: 'autocannon', run: 1, rps: 200, reqPerCpuS: 100, requests: 1000 },
    { scenario: 's', kind: 'closed', tool: 'engine', run: 2, rps: 300, reqPerCpuS: 70, requests: 1500 },
    { scenario: 's', kind: 'closed', tool: 'autocannon', run: 2, failure: 'boom' },
    { scenario: 's', kind: 'closed', tool: 'cli', run: 1, rps: 1, reqPerCpuS: 1, requests: 5 },
    { scenario: 'm', kind: 'idle', tool: 'engine', run: 1, rssPerSessionKiB: 11, sockets: 10, scenarioSessions: 10 },
  ];

  it('groups by scenario and tool, counts failed runs and summarises only the good ones', () => {
    const groups = summarise(records);
    const engine = groups.find((g) => g.scenario === 's' && g.tool === 'engine')!;
    expect(engine.runs).toBe(2);
    expect(engine.stats.rps).toEqual({ median: 200, min: 100, max: 300, n: 2 });
    const autocannon = groups.find((g) => g.tool === 'autocannon')!;
    expect(autocannon.runs).toBe(2);
    expect(autocannon.failures).toEqual(['boom']);
    expect(autocannon.stats.rps?.n).toBe(1);
    const idle = groups.find((g) => g.scenario === 'm')!;
    expect(idle.sessions).toBe(10);
    expect(idle.stats.rssPerSessionKiB?.median).toBe(11);
    expect(idle.stats.rps).toBeUndefined();
  });

  it('gives engine/peer ratios for peers only (not the CLI, not idle scenarios)', () => {
    const out = ratios(summarise(records));
    expect(out).toEqual([{ scenario: 's', tool: 'engine', peer: 'autocannon', rps: 1, reqPerCpuS: 0.6 }]);
  });

  it('compares every threads-N row with the peers, and threads-N with threads-1', () => {
    const threaded = [
      { scenario: 't', kind: 'closed', tool: 'autocannon', run: 1, rps: 100, reqPerCpuS: 100, requests: 1 },
      { scenario: 't', kind: 'closed', tool: 'threads-1', run: 1, rps: 90, reqPerCpuS: 80, requests: 1 },
      { scenario: 't', kind: 'closed', tool: 'threads-2', run: 1, rps: 120, reqPerCpuS: 60, requests: 1 },
    ];
    expect(ratios(summarise(threaded))).toEqual([
      { scenario: 't', tool: 'threads-1', peer: 'autocannon', rps: 0.9, reqPerCpuS: 0.8 },
      { scenario: 't', tool: 'threads-2', peer: 'autocannon', rps: 1.2, reqPerCpuS: 0.6 },
      { scenario: 't', tool: 'threads-2', peer: 'threads-1', rps: 120 / 90, reqPerCpuS: 0.75 },
    ]);
  });
});
