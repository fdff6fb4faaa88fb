import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * One proxy as the Prometheus series show it (`ProxyManager.report()` rows
 * fit). `proxy` has its credentials masked; with `line`, it is the label set,
 * so the series are bounded by the proxy list.
 */
export interface ProxyMetricsRow {
  readonly proxy: string;
  readonly line: number;
  readonly requests: number;
  readonly failed: number;
  readonly failovers: number;
  readonly circuit: 'closed' | 'open' | 'half_open' | 'removed';
  readonly unhealthy_ms: number;
}

export const CIRCUIT_STATES = ['closed', 'half_open', 'open'] as const;

/**
 * Registers the per-proxy series on `registry`, read from `read()` at scrape
 * time. Labels: `proxy` (masked URL) and `line` (its line in the proxy file,
 * which tells apart proxies whose URLs differ only in masked credentials).
 */
export function registerProxyMetrics(registry: Registry, read: () => readonly ProxyMetricsRow[]): void {
  const registers = [registry];
  const labelNames = ['proxy', 'line'] as const;
  const counter = (name: string, help: string, value: (row: ProxyMetricsRow) => number): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const row of read()) this.inc({ proxy: row.proxy, line: row.line }, value(row));
      },
    });
  };
  counter('session_engine_proxy_requests_total', 'Requests through each proxy that got a response or failed to connect.', (row) => row.requests);
  counter('session_engine_proxy_failures_total', 'Connection failures through each proxy (the failure kinds that count against a proxy).', (row) => row.failed);
  counter('session_engine_proxy_failovers_total', 'Sessions moved away from each proxy (its circuit opened, or a reload removed it).', (row) => row.failovers);
  counter('session_engine_proxy_unhealthy_seconds_total', "Time each proxy's circuit was open or half-open, in seconds.", (row) => row.unhealthy_ms / 1000);
  new Gauge({
    name: 'session_engine_proxy_circuit_state',
    help: "1 for each listed proxy's current circuit state (closed, half_open, open), 0 for the others; removed proxies have none.",
    labelNames: [...labelNames, 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of read()) {
        if (row.circuit === 'removed') continue;
        for (const state of CIRCUIT_STATES) this.set({ proxy: row.proxy, line: row.line, state }, row.circuit === state ? 1 : 0);
      }
    },
  });
}
