/**
 * Per-proxy rows of runs that went side by side (threads, shards) as one
 * row per proxy: the merged report's `proxies` and, with `--threads`, the
 * main thread's per-proxy Prometheus series use these same figures.
 */
import type { ProxyReport } from '@session-engine/proxy';

// A circuit state seen in any part stands for the merge, the least healthy first.
const CIRCUIT_PRIORITY: readonly ProxyReport['circuit'][] = ['open', 'half_open', 'closed', 'removed'];

/** One proxy's key: parts list the same proxies (one file), told apart by masked URL, source and line. */
function keyOf(row: ProxyReport): string {
  return `${row.proxy}\u0000${row.source}\u0000${row.line}`;
}

/**
 * Adds `row` into `into` (keyed by proxy, source and line): requests,
 * failures and failovers add up; time unhealthy is the longest of the parts
 * (they ran at one time, so it is not added); the circuit is the least
 * healthy state any part has (open > half_open > closed > removed).
 */
export function addProxyRow(into: Map<string, ProxyReport>, row: ProxyReport): void {
  const key = keyOf(row);
  const seen = into.get(key);
  if (seen === undefined) {
    into.set(key, { ...row });
    return;
  }
  into.set(key, {
    ...seen,
    requests: seen.requests + row.requests,
    failed: seen.failed + row.failed,
    failovers: seen.failovers + row.failovers,
    unhealthy_ms: Math.max(seen.unhealthy_ms, row.unhealthy_ms),
    circuit: CIRCUIT_PRIORITY.find((state) => state === seen.circuit || state === row.circuit) ?? seen.circuit,
  });
}

/** The parts' rows merged by `addProxyRow`, in the order each proxy first appears. */
export function mergeProxyRows(parts: readonly (readonly ProxyReport[])[]): ProxyReport[] {
  const into = new Map<string, ProxyReport>();
  for (const rows of parts) for (const row of rows) addProxyRow(into, row);
  return [...into.values()];
}
