import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { MetricsArgumentError, MetricsError } from './errors.js';

/** One hour in microseconds: the range the histogram covers without resizing. */
export const HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

/**
 * Counts are 64-bit (hdr-histogram-js keeps them in a Float64Array: exact up to
 * 2^53 - 1 per bucket), so adding histograms of many workers or machines never
 * wraps a bucket the way 32-bit counts do above 2^32 - 1.
 */
const BIT_BUCKET_SIZE = 64;

/** Latency distribution in milliseconds (floats), as it appears in snapshots. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

function createHdr(): JsHistogram {
  // The pure JS build: no WebAssembly memory to free, safe to drop on GC.
  // autoResize keeps a latency above one hour from throwing on the hot path.
  const hdr = build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  }) as JsHistogram;
  // record() computes bucket indexes itself for exactly this layout, which
  // does not depend on the width of the counts.
  if (hdr.unitMagnitude !== 0 || hdr.subBucketHalfCountMagnitude !== 10 || hdr.countsArrayIndex(HIGHEST_TRACKABLE_MICROS) >= hdr.countsArrayLength) {
    throw new MetricsError('the installed hdr-histogram-js has an unexpected bucket layout');
  }
  // Merges rely on counts that do not wrap at 2^32. Index 0 holds the value 0,
  // which record() never files (it records at least 1 us).
  hdr.setCountAtIndex(0, Number.MAX_SAFE_INTEGER);
  const wide = hdr.getCountAtIndex(0) === Number.MAX_SAFE_INTEGER;
  hdr.setCountAtIndex(0, 0);
  if (!wide) {
    throw new MetricsError('the installed hdr-histogram-js does not keep 64-bit bucket counts');
  }
  return hdr;
}

/**
 * HDR histogram of latencies: **records microseconds, reports milliseconds**.
 *
 * Whole microseconds from 1 us to 1 h (and beyond: it grows instead of
 * throwing), 3 significant digits, 64-bit bucket counts. Every figure it
 * reports is derived from bucket counts only, so a histogram and its
 * encode/decode round trip report the same numbers, and histograms recorded
 * side by side (worker threads, processes, machines) add up exactly: that is
 * what makes merged snapshots exact.
 *
 * ```ts
 * const merged = LatencyHistogram.create();
 * for (const encoded of fromWorkers) merged.add(LatencyHistogram.decode(encoded));
 * merged.summary().p99; // ms
 * ```
 */
export class LatencyHistogram {
  #hdr: JsHistogram;

  private constructor(hdr: JsHistogram) {
    this.#hdr = hdr;
  }

  /** An empty histogram. */
  static create(): LatencyHistogram {
    return new LatencyHistogram(createHdr());
  }

  /**
   * Decodes an `encode()` string (an HDR V2 compressed histogram, base64, of
   * microseconds), including one written by an older version with 32-bit
   * counts: the V2 encoding does not depend on the width of the counts.
   * Throws whatever hdr-histogram-js throws on bad input.
   */
  static decode(encoded: string): LatencyHistogram {
    const decoded = decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false) as JsHistogram;
    // Re-home the counts in a histogram with our parameters so that later
    // merges never depend on the encoder's settings.
    const target = createHdr();
    target.add(decoded);
    return new LatencyHistogram(target);
  }

  /** Number of values recorded (or added). */
  get count(): number {
    return this.#hdr.totalCount;
  }

  /**
   * Records one latency in **microseconds**, rounded to whole us (under 1 us
   * and NaN count as 1 us); returns the value recorded (us).
   */
  record(micros: number): number {
    const value = micros >= 1 ? Math.round(micros) : 1;
    const hdr = this.#hdr;
    if (value <= HIGHEST_TRACKABLE_MICROS) {
      // hdr.recordValue spends ~90% of its time on Math.log2/Math.pow to find
      // the bucket; for our fixed parameters (unit magnitude 0, 1024 half
      // sub-buckets) and values below 2^32 the same index comes from clz32.
      const bucket = value < 2048 ? 0 : 21 - Math.clz32(value);
      hdr.incrementCountAtIndex(bucket === 0 ? value : ((bucket + 1) << 10) + (value >>> bucket) - 1024);
      hdr.updateMinAndMax(value);
      hdr.incrementTotalCount();
    } else {
      hdr.recordValue(value); // resizes the histogram first
    }
    return value;
  }

  /** Adds every count of `other` to this histogram (exact: counts are 64-bit). */
  add(other: LatencyHistogram): void {
    this.#hdr.add(other.#hdr);
  }

  /**
   * Removes the counts of `earlier` from this histogram, leaving what was
   * recorded since `earlier` was a copy of it. `earlier` must be contained in
   * this histogram (no bucket count above this one's): otherwise throws
   * `MetricsArgumentError` and changes nothing.
   */
  subtract(earlier: LatencyHistogram): void {
    const hdr = this.#hdr;
    const other = earlier.#hdr;
    if (other.totalCount === 0) return;
    // Every histogram here has the same layout, so index i means the same
    // bucket in both; only their lengths can differ (after a resize).
    for (let i = 0; i < other.countsArrayLength; i++) {
      const n = other.getCountAtIndex(i);
      if (n !== 0 && !(i < hdr.countsArrayLength && hdr.getCountAtIndex(i) >= n)) {
        throw new MetricsArgumentError('subtract() needs a histogram contained in this one (an earlier copy of it)');
      }
    }
    hdr.subtract(other);
  }

  /** Removes every value. */
  reset(): void {
    this.#hdr.reset();
  }

  /**
   * The histogram (microseconds) as an HDR V2 compressed, base64 string: a
   * deterministic function of the counts, so equal histograms give equal
   * strings. `decode()` reads it back; so do other HdrHistogram ports.
   */
  /**
   * HDR V2 compressed base64 of the counts (microseconds). `significantDigits`
   * 2 first coarsens the buckets to 1% (about a third of the size for a busy
   * interval); decoding such a string and adding it to others stays exact,
   * because every value of a coarse bucket decodes to the same fine bucket.
   */
  encode(significantDigits: 2 | 3 = 3): string {
    if (significantDigits === 3) return encodeIntoCompressedBase64(this.#hdr);
    if (significantDigits !== 2) throw new MetricsArgumentError(`significantDigits must be 2 or 3, got ${String(significantDigits)}`);
    const coarse = build({
      bitBucketSize: BIT_BUCKET_SIZE,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
      numberOfSignificantValueDigits: 2,
      useWebAssembly: false,
    }) as JsHistogram;
    coarse.add(this.#hdr);
    return encodeIntoCompressedBase64(coarse);
  }

  /**
   * The distribution in **milliseconds** (all zeros when empty). Percentiles
   * are the top of the value's bucket (never understated); `min` is the bottom
   * of the lowest bucket, `max` the top of the highest, `mean` the
   * count-weighted mean of bucket midpoints.
   */
  summary(): LatencySummary {
    const hdr = this.#hdr;
    const count = hdr.totalCount;
    if (count === 0) {
      return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    }
    return {
      count,
      // Bucket bounds rather than the raw extremes: a decoded histogram only
      // knows buckets, and live and merged figures must agree.
      min: hdr.lowestEquivalentValue(hdr.minNonZeroValue) / 1000,
      mean: this.#meanMicros() / 1000,
      p50: hdr.getValueAtPercentile(50) / 1000,
      p90: hdr.getValueAtPercentile(90) / 1000,
      p95: hdr.getValueAtPercentile(95) / 1000,
      p99: hdr.getValueAtPercentile(99) / 1000,
      p999: hdr.getValueAtPercentile(99.9) / 1000,
      max: hdr.highestEquivalentValue(hdr.maxValue) / 1000,
    };
  }

  /**
   * The latency at any percentile, in **milliseconds** (0 when empty): the top
   * of the bucket that holds it, like the summary's p50 ... p99.9, so a
   * `p(97.5)` threshold reads the same histogram exactly, not interpolated
   * between fixed percentiles.
   */
  percentile(p: number): number {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new MetricsArgumentError(`percentile must be a number from 0 to 100, got ${String(p)}`);
    const hdr = this.#hdr;
    return hdr.totalCount === 0 ? 0 : hdr.getValueAtPercentile(p) / 1000;
  }

  // hdr.mean walks an iterator object per value (~10 ms on a full histogram);
  // one pass over the counts array gives the same figure (bucket midpoints).
  #meanMicros(): number {
    const hdr = this.#hdr;
    const lastIndex = Math.min(hdr.countsArrayIndex(hdr.maxValue), hdr.countsArrayLength - 1);
    let sum = 0;
    for (let i = 0; i <= lastIndex; i++) {
      const n = hdr.getCountAtIndex(i);
      if (n !== 0) sum += hdr.medianEquivalentValue(hdr.valueFromIndex(i)) * n;
    }
    return sum / hdr.totalCount;
  }

  /**
   * Cumulative counts of values at or below each bound (microseconds,
   * ascending), written into `out`. A bucket counts under a bound when its
   * lowest value does, so the answer is exact to the histogram's 0.1% resolution.
   */
  cumulativeCounts(boundsMicros: readonly number[], out: number[]): void {
    const hdr = this.#hdr;
    out.length = boundsMicros.length;
    out.fill(0);
    if (hdr.totalCount === 0) return;
    const lastIndex = Math.min(hdr.countsArrayIndex(hdr.maxValue), hdr.countsArrayLength - 1);
    let bound = 0;
    for (let i = 0; i <= lastIndex && bound < boundsMicros.length; i++) {
      const n = hdr.getCountAtIndex(i);
      if (n === 0) continue;
      const value = hdr.valueFromIndex(i);
      while (bound < boundsMicros.length && value > (boundsMicros[bound] as number)) bound++;
      if (bound < boundsMicros.length) out[bound] = (out[bound] as number) + n;
    }
    for (let b = 1; b < out.length; b++) out[b] = (out[b] as number) + (out[b - 1] as number);
  }
}
