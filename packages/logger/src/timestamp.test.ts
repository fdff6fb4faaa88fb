import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Capture } from '../test/capture.js';
import { createLogger } from './index.js';
import { isoMicros } from './timestamp.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_US = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const BASE = Date.UTC(2026, 10, 22, 10, 0, 0); // 2026-11-22T10:00:00.000Z

afterEach(() => {
  vi.useRealTimers();
});

describe('isoMicros', () => {
  it('combines origin and elapsed time to the microsecond', () => {
    expect(isoMicros(BASE + 0.25, 123.206)).toBe('2026-11-22T10:00:00.123456Z');
  });

  it('pads microseconds', () => {
    expect(isoMicros(BASE, 5.007)).toBe('2026-11-22T10:00:00.005007Z');
    expect(isoMicros(BASE, 5.07)).toBe('2026-11-22T10:00:00.005070Z');
  });

  it('carries into the next millisecond and second', () => {
    expect(isoMicros(BASE + 999.5, 0.5004)).toBe('2026-11-22T10:00:01.000000Z');
    // Rounded to the nearest microsecond (0.75 is exact in binary at this magnitude).
    expect(isoMicros(BASE + 0.75, 0.2494)).toBe('2026-11-22T10:00:00.000999Z');
    expect(isoMicros(BASE + 0.75, 0.2496)).toBe('2026-11-22T10:00:00.001000Z');
  });

  it('keeps microsecond resolution at large elapsed times', () => {
    const day = 86_400_000;
    expect(isoMicros(BASE + 0.001, 30 * day + 0.002)).toBe('2026-12-22T10:00:00.000003Z');
  });
});

describe('log timestamps', () => {
  it('default to ISO 8601 with milliseconds from the wall clock', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(BASE + 123);
    const out = new Capture();
    createLogger({ pretty: false, destination: out }).info('m');
    expect(out.only()['time']).toBe('2026-11-22T10:00:00.123Z');
  });

  it("use performance.timeOrigin + performance.now() with 'us'", () => {
    vi.spyOn(performance, 'timeOrigin', 'get').mockReturnValue(BASE + 0.25);
    vi.spyOn(performance, 'now').mockReturnValue(123.206);
    const out = new Capture();
    createLogger({ pretty: false, destination: out, timestampPrecision: 'us' }).info('m');
    expect(out.only()['time']).toBe('2026-11-22T10:00:00.123456Z');
  });

  it('have the documented shapes with the real clocks', () => {
    const ms = new Capture();
    const us = new Capture();
    createLogger({ pretty: false, destination: ms, timestampPrecision: 'ms' }).info('m');
    const logger = createLogger({ pretty: false, destination: us, timestampPrecision: 'us' });
    for (let i = 0; i < 20; i++) logger.info('m');
    expect(ms.only()['time']).toMatch(ISO_MS);
    const times = us.records().map((r) => r['time'] as string);
    for (const time of times) expect(time).toMatch(ISO_US);
    // Same-length ISO strings sort like the instants: the monotonic clock never goes back.
    expect([...times].sort()).toEqual(times);
    // Anchored on the wall clock: within a minute of Date.now() (a sanity bound, not a timing test).
    expect(Math.abs(Date.parse(times[0] as string) - Date.now())).toBeLessThan(60_000);
  });
});
