import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

/** |actual - expected| / expected within HDR's 3-significant-digit resolution. */
function expectWithinResolution(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(0.001);
}

describe('LatencyHistogram', () => {
  it('reports percentiles of known data within 0.1%, in milliseconds', () => {
    const h = LatencyHistogram.create();
    for (let us = 1; us <= 10_000; us++) h.record(us);
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.min).toBe(0.001);
    expectWithinResolution(s.mean, 5.0005);
    expectWithinResolution(s.p50, 5);
    expectWithinResolution(s.p90, 9);
    expectWithinResolution(s.p99, 9.9);
    expectWithinResolution(s.p999, 9.99);
    expectWithinResolution(s.max, 10);
    // HDR reports the top of a value's bucket: never below the true value.
    expect(s.p50).toBeGreaterThanOrEqual(5);
    expect(s.p99).toBeGreaterThanOrEqual(9.9);
  });

  it('tracks a skewed distribution: the tail shows in p99.9, not in p50', () => {
    const h = LatencyHistogram.create();
    for (let i = 0; i < 9_990; i++) h.record(1_000);
    for (let i = 0; i < 10; i++) h.record(2_000_000);
    const s = h.summary();
    expect(s.p50).toBe(1);
    expect(s.p99).toBe(1);
    expectWithinResolution(s.p999, 1);
    expect(s.max).toBeGreaterThanOrEqual(2000);
    expectWithinResolution(s.max, 2000);
    h.record(2_000_000);
    expectWithinResolution(h.summary().p999, 2000);
  });

  it('covers one hour and grows beyond it instead of throwing', () => {
    const h = LatencyHistogram.create();
    h.record(3_600_000_000);
    h.record(7_200_000_000);
    expectWithinResolution(h.summary().max, 7_200_000);
    expect(h.count).toBe(2);
  });

  it('rounds to whole microseconds and counts sub-microsecond, negative and NaN values as 1 us', () => {
    const h = LatencyHistogram.create();
    expect(h.record(0)).toBe(1);
    expect(h.record(-5)).toBe(1);
    expect(h.record(Number.NaN)).toBe(1);
    expect(h.record(1.6)).toBe(2);
    expect(h.count).toBe(4);
    expect(h.summary().min).toBe(0.001);
    expect(h.summary().max).toBe(0.002);
  });

  it('files every value in the bucket hdr-histogram-js itself would use', () => {
    const ours = LatencyHistogram.create();
    const reference = build({
      bitBucketSize: 32,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
    const values = [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 3_599_999_999, 3_600_000_000, 3_600_000_001];
    for (let v = 1; v < 3_600_000_000; v = Math.ceil(v * 1.003) + 1) values.push(v);
    for (const v of values) {
      ours.record(v);
      reference.recordValue(v);
    }
    expect(ours.encode()).toBe(encodeIntoCompressedBase64(reference));
    expect(ours.count).toBe(values.length);
  });

  it('reports zeros when empty', () => {
    expect(LatencyHistogram.create().summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('round-trips through its encoding with identical figures', () => {
    const h = LatencyHistogram.create();
    for (let i = 1; i <= 5_000; i++) h.record((i * 7919) % 3_000_017);
    h.record(123_456.7);
    const decoded = LatencyHistogram.decode(h.encode());
    expect(decoded.summary()).toEqual(h.summary());
    expect(decoded.encode()).toBe(h.encode());
  });

  it('adds histograms', () => {
    const a = LatencyHistogram.create();
    const b = LatencyHistogram.create();
    a.record(100);
    b.record(300);
    b.record(500);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.summary().min).toBe(0.1);
    expect(a.summary().max).toBe(0.5);
  });

  it('computes cumulative counts at bucket bounds, inclusive', () => {
    const h = LatencyHistogram.create();
    for (const us of [500, 1_000, 1_001, 2_000, 20_000, 2_000_000]) h.record(us);
    const out: number[] = [];
    h.cumulativeCounts([999, 1_000, 2_500, 25_000, 1_000_000, 5_000_000], out);
    expect(out).toEqual([1, 2, 4, 5, 5, 6]);
    h.reset();
    h.cumulativeCounts([1_000, 2_000], out);
    expect(out).toEqual([0, 0]);
  });
});
