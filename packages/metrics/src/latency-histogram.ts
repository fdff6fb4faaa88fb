import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { MetricsError } from './errors.js';

/** One hour in microseconds: the range the histogram covers without resizing. */
export const HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

/** Latency distribution in milliseconds (floats), as it appears in snapshots. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function createHdr(): JsHistogram {
  // The pure JS build: no WebAssembly memory to free, safe to drop on GC.
  // autoResize keeps a latency above one hour from throwing on the hot path.
  const hdr = build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  }) as JsHistogram;
  // record() computes bucket indexes itself for exactly this layout.
  if (hdr.unitMagnitude !== 0 || hdr.subBucketHalfCountMagnitude !== 10 || hdr.countsArrayIndex(HIGHEST_TRACKABLE_MICROS) >= hdr.countsArrayLength) {
    throw new MetricsError('the installed hdr-histogram-js has an unexpected bucket layout');
  }
  return hdr;
}

/**
 * HDR histogram of latencies in whole microseconds (1 us to 1 h and beyond, 3
 * significant digits). Every figure it reports is derived from bucket counts
 * only, so a histogram and its encode/decode round trip report the same numbers:
 * that is what makes merged snapshots exact.
 */
export class LatencyHistogram {
  #hdr: JsHistogram;

  private constructor(hdr: JsHistogram) {
    this.#hdr = hdr;
  }

  static create(): LatencyHistogram {
    return new LatencyHistogram(createHdr());
  }

  /** Decodes `encode()` output; throws whatever hdr-histogram-js throws on bad input. */
  static decode(encoded: string): LatencyHistogram {
    const decoded = decodeFromCompressedBase64(encoded, 32, false) as JsHistogram;
    // Re-home the counts in a histogram with our parameters so that later
    // merges never depend on the encoder's settings.
    const target = createHdr();
    target.add(decoded);
    return new LatencyHistogram(target);
  }

  get count(): number {
    return this.#hdr.totalCount;
  }

  /** Records one latency, rounded to whole us (under 1 us and NaN count as 1 us); returns the value recorded. */
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

  add(other: LatencyHistogram): void {
    this.#hdr.add(other.#hdr);
  }

  reset(): void {
    this.#hdr.reset();
  }

  encode(): string {
    return encodeIntoCompressedBase64(this.#hdr);
  }

  summary(): LatencySummary {
    const hdr = this.#hdr;
    const count = hdr.totalCount;
    if (count === 0) {
      return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    }
    return {
      count,
      // Bucket bounds rather than the raw extremes: a decoded histogram only
      // knows buckets, and live and merged figures must agree.
      min: hdr.lowestEquivalentValue(hdr.minNonZeroValue) / 1000,
      mean: this.#meanMicros() / 1000,
      p50: hdr.getValueAtPercentile(50) / 1000,
      p90: hdr.getValueAtPercentile(90) / 1000,
      p99: hdr.getValueAtPercentile(99) / 1000,
      p999: hdr.getValueAtPercentile(99.9) / 1000,
      max: hdr.highestEquivalentValue(hdr.maxValue) / 1000,
    };
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
