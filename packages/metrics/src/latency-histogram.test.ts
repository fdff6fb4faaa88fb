import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { MetricsArgumentError } from './errors.js';
import { LatencyHistogram } from './latency-histogram.js';

/** The hdr-histogram-js parameters of LatencyHistogram, with counts of the given width. */
function referenceHdr(bitBucketSize: 32 | 64) {
  return build({
    bitBucketSize,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

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
    expectWithinResolution(s.p95, 9.5);
    expectWithinResolution(s.p99, 9.9);
    expectWithinResolution(s.p999, 9.99);
    expectWithinResolution(s.max, 10);
    // HDR reports the top of a value's bucket: never below the true value.
    expect(s.p50).toBeGreaterThanOrEqual(5);
    expect(s.p95).toBeGreaterThanOrEqual(9.5);
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

  it('lists the summary fields in a fixed order', () => {
    const h = LatencyHistogram.create();
    h.record(1_000);
    const keys = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
    expect(Object.keys(h.summary())).toEqual(keys);
    expect(Object.keys(LatencyHistogram.create().summary())).toEqual(keys);
  });

  it('files every value in the bucket hdr-histogram-js itself would use (64-bit counts)', () => {
    const ours = LatencyHistogram.create();
    const reference = referenceHdr(64);
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
    expect(LatencyHistogram.create().summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  });

  it('round-trips through its encoding with identical figures', () => {
    const h = LatencyHistogram.create();
    for (let i = 1; i <= 5_000; i++) h.record((i * 7919) % 3_000_017);
    h.record(123_456.7);
    const decoded = LatencyHistogram.decode(h.encode());
    expect(decoded.summary()).toEqual(h.summary());
    expect(decoded.encode()).toBe(h.encode());
  });

  it('decodes histograms encoded with 32-bit counts by earlier versions', () => {
    const ours = LatencyHistogram.create();
    const legacy = referenceHdr(32);
    for (let i = 1; i <= 5_000; i++) {
      const us = 1 + ((i * 7919) % 3_000_017);
      ours.record(us);
      legacy.recordValue(us);
    }
    const legacyEncoded = encodeIntoCompressedBase64(legacy);
    // The V2 encoding does not depend on the width of the counts.
    expect(legacyEncoded).toBe(ours.encode());
    const decoded = LatencyHistogram.decode(legacyEncoded);
    expect(decoded.summary()).toEqual(ours.summary());
    expect(decoded.encode()).toBe(ours.encode());
  });

  it('keeps a bucket count above 2^32 exact through encode, decode and merge', () => {
    const h = LatencyHistogram.create();
    h.record(1_000);
    for (let i = 0; i < 32; i++) h.add(h); // 2^32 values of 1 ms
    h.record(1_000); // 2^32 + 1: a 32-bit bucket would hold 1
    h.record(250);
    const big = 2 ** 32 + 1;
    expect(h.count).toBe(big + 1);

    const encoded = h.encode();
    // What a 32-bit decode makes of it: the bucket wraps (this is the bug fixed).
    expect(decodeFromCompressedBase64(encoded, 32).totalCount).not.toBe(big + 1);

    const decoded = LatencyHistogram.decode(encoded);
    expect(decoded.count).toBe(big + 1);
    expect(decoded.encode()).toBe(encoded);
    const merged = LatencyHistogram.create();
    merged.add(decoded);
    merged.add(LatencyHistogram.decode(encoded));
    expect(merged.count).toBe(2 * big + 2);
    const out: number[] = [];
    merged.cumulativeCounts([250, 999, 1_000], out);
    expect(out).toEqual([2, 2, 2 * big + 2]);
    expect(merged.summary()).toMatchObject({ min: 0.25, p50: 1, p999: 1, max: 1 });
    expect(LatencyHistogram.decode(merged.encode()).count).toBe(2 * big + 2);
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

  it('encodes at 2 significant digits smaller, within 1%, and adds exactly after decoding', () => {
    const a = LatencyHistogram.create();
    const b = LatencyHistogram.create();
    const both = LatencyHistogram.create();
    let x = 11;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      const micros = 2_000 + (x % 40_000);
      (i % 3 === 0 ? a : b).record(micros);
      both.record(micros);
    }
    const coarse = both.encode(2);
    expect(coarse.length).toBeLessThan(both.encode().length / 2);
    const decoded = LatencyHistogram.decode(coarse).summary();
    expect(Math.abs(decoded.p95 - both.summary().p95) / both.summary().p95).toBeLessThan(0.01);
    const merged = LatencyHistogram.decode(a.encode(2));
    merged.add(LatencyHistogram.decode(b.encode(2)));
    expect(merged.summary()).toEqual(decoded);
    expect(() => both.encode(4 as 3)).toThrowError(/significantDigits must be 2 or 3/);
  });

  it('subtracts an earlier copy, leaving what was recorded since, byte for byte', () => {
    const h = LatencyHistogram.create();
    for (const us of [100, 200, 5_000]) h.record(us);
    const earlier = LatencyHistogram.create();
    earlier.add(h);
    const since = LatencyHistogram.create();
    for (const us of [150, 200, 300]) {
      h.record(us);
      since.record(us);
    }
    h.subtract(earlier);
    expect(h.summary()).toEqual(since.summary());
    expect(h.encode()).toBe(since.encode());
    h.subtract(h);
    expect(h.summary().count).toBe(0);
  });

  it('subtracts across a resize (a value above one hour)', () => {
    const h = LatencyHistogram.create();
    h.record(100);
    const earlier = LatencyHistogram.create();
    earlier.add(h);
    h.record(7_200_000_000);
    h.record(300);
    h.subtract(earlier);
    expect(h.count).toBe(2);
    expect(h.summary().min).toBe(0.3);
    expectWithinResolution(h.summary().max, 7_200_000);
    const later = LatencyHistogram.create();
    later.add(h);
    h.subtract(later);
    expect(h.count).toBe(0);
  });

  it('refuses to subtract a histogram it does not contain, and changes nothing', () => {
    const h = LatencyHistogram.create();
    h.record(100);
    h.record(200);
    const other = LatencyHistogram.create();
    other.record(100);
    other.record(100);
    const before = h.encode();
    expect(() => h.subtract(other)).toThrow(MetricsArgumentError);
    const beyond = LatencyHistogram.create();
    beyond.record(7_200_000_000);
    expect(() => h.subtract(beyond)).toThrow(MetricsArgumentError);
    expect(h.encode()).toBe(before);
    h.subtract(LatencyHistogram.create());
    expect(h.encode()).toBe(before);
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
