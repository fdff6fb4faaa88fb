import type { LatencyHistogram } from './latency-histogram.js';

interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A Prometheus histogram whose buckets are read from the HDR histogram at
 * scrape time, so requests never pay for a prom-client `observe()`.
 *
 * prom-client has no public way to set bucket counts, so this object speaks
 * the registry's metric protocol itself (`name`, `help`, `type`, `aggregator`,
 * `get()`, `reset()`), the same protocol its own Histogram implements.
 */
export class HdrPrometheusHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #boundsSeconds: readonly number[];
  readonly #boundsMicros: readonly number[];
  readonly #read: () => { histogram: LatencyHistogram; sumSeconds: number };
  readonly #cumulative: number[] = [];

  constructor(
    name: string,
    help: string,
    boundsSeconds: readonly number[],
    read: () => { histogram: LatencyHistogram; sumSeconds: number },
  ) {
    this.name = name;
    this.help = help;
    this.#boundsSeconds = boundsSeconds;
    this.#boundsMicros = boundsSeconds.map((s) => Math.round(s * 1_000_000));
    this.#read = read;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const { histogram, sumSeconds } = this.#read();
    histogram.cumulativeCounts(this.#boundsMicros, this.#cumulative);
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = this.#boundsSeconds.map((le, i) => ({
      metricName: bucket,
      labels: { le },
      value: this.#cumulative[i] ?? 0,
    }));
    values.push(
      { metricName: bucket, labels: { le: '+Inf' }, value: histogram.count },
      { metricName: `${this.name}_sum`, labels: {}, value: sumSeconds },
      { metricName: `${this.name}_count`, labels: {}, value: histogram.count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Called by `registry.resetMetrics()`; the engine's tallies are reset through `Metrics.reset()`. */
  reset(): void {
    // Nothing of its own to reset.
  }
}
