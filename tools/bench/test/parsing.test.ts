import { describe, expect, it } from 'vitest';
import { renderNginxConf } from '../src/nginx-conf.mjs';
import { parseTimes } from '../src/pinned-process.mjs';
import { fromWrkReport, lastJsonLine } from '../src/runners.mjs';
import { allScenarios, selectScenarios, toolsFor } from '../src/scenarios.mjs';

describe('parseTimes', () => {
  it('sums the children line of bash `times` after the marker', () => {
    const stderr = 'some warning\n__bench_times__\n0m0.010s 0m0.002s\n1m2.500s 0m0.250s\n';
    expect(parseTimes(stderr)).toBeCloseTo(62.75, 6);
  });

  it('is undefined without the marker or with a malformed line', () => {
    expect(parseTimes('0m0.010s 0m0.002s\n0m1.000s 0m0.000s\n')).toBeUndefined();
    expect(parseTimes('__bench_times__\n0m0.010s 0m0.002s\nnot times\n')).toBeUndefined();
  });
});

describe('lastJsonLine', () => {
  it('returns the last line that parses as an object, skipping logs and broken lines', () => {
    const stdout = 'starting\n{"a":1}\n{"b":2}\n{broken\nbye\n';
    expect(lastJsonLine(stdout)).toEqual({ b: 2 });
    expect(lastJsonLine('nothing here')).toBeUndefined();
  });
});

describe('fromWrkReport', () => {
  it('converts microseconds, sums every error class and keeps the CPU it is given', () => {
    const record = fromWrkReport(
      { requests: 1000, duration_us: 2_000_000, connect: 1, read: 2, write: 3, status: 4, timeout: 5, p50_us: 1500, p99_us: 9000 },
      50,
      0.5,
      8000,
    );
    expect(record).toEqual({
      tool: 'wrk',
      model: 'closed',
      sessions: 50,
      requests: 1000,
      errors: 15,
      elapsedS: 2,
      cpuS: 0.5,
      p50Ms: 1.5,
      p99Ms: 9,
      peakRssKiB: 8000,
    });
  });
});

describe('renderNginxConf', () => {
  const conf = renderNginxConf({ dir: '/tmp/x', port: 8123 });

  it('listens on loopback with one worker and no access log', () => {
    expect(conf).toContain('listen 127.0.0.1:8123');
    expect(conf).toMatch(/worker_processes 1;/);
    expect(conf).toMatch(/access_log off;/);
  });

  it('keeps benchmark connections open and has room for the 10 000-session scenario', () => {
    expect(conf).toMatch(/keepalive_requests 1000000000;/);
    expect(conf).toMatch(/keepalive_timeout 3600s;/);
    const connections = Number(/worker_connections (\d+);/.exec(conf)?.[1]);
    expect(connections).toBeGreaterThan(10_000);
  });

  it('answers / with 200 and sets a cookie on /cookie', () => {
    expect(conf).toMatch(/location = \/ \{\s*return 200 "ok";/);
    expect(conf).toMatch(/location = \/cookie \{\s*add_header Set-Cookie "sid=bench; Path=\/";\s*return 200 "ok";/);
  });

  it('keeps every writable path inside the run directory', () => {
    for (const line of conf.split('\n').filter((l) => /(_path|pid|error_log) /.test(l))) expect(line).toContain('/tmp/x/');
  });

  it('refuses a port that is not one', () => {
    expect(() => renderNginxConf({ dir: '/tmp/x', port: 0 })).toThrow(RangeError);
  });
});

describe('scenarios', () => {
  const all = allScenarios({ openSessions: 300 });

  it('cover closed 50/1000 on / and /cookie, open 5k/20k and idle 500/2000/10000', () => {
    expect(all.map((s) => s.id)).toEqual([
      'closed-50',
      'closed-50-cookie',
      'closed-1000',
      'closed-1000-cookie',
      'open-5k',
      'open-20k',
      'idle-500',
      'idle-2000',
      'idle-10000',
    ]);
    expect(all.filter((s) => s.kind === 'open').every((s) => s.sessions === 300)).toBe(true);
    expect(Math.max(...all.map((s) => s.sessions))).toBeLessThanOrEqual(10_000);
  });

  it('select by id and reject unknown ids', () => {
    expect(selectScenarios(all, 'idle-500, closed-50').map((s) => s.id)).toEqual(['closed-50', 'idle-500']);
    expect(selectScenarios(all, undefined)).toBe(all);
    expect(() => selectScenarios(all, 'closed-51')).toThrow(/unknown scenario closed-51/);
  });

  it('run idle scenarios with the engine only and open ones without wrk, the naive loop or the floor', () => {
    const tools = ['engine', 'autocannon', 'wrk', 'cli', 'naive', 'floor'];
    expect(toolsFor(all.find((s) => s.id === 'idle-500'), tools)).toEqual(['engine']);
    expect(toolsFor(all.find((s) => s.id === 'open-5k'), tools)).toEqual(['engine', 'autocannon', 'cli']);
    expect(toolsFor(all.find((s) => s.id === 'closed-50'), tools)).toEqual(tools);
  });
});
