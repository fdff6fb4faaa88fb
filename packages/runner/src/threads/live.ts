/**
 * The main thread's view of a run split across threads: the latest
 * cumulative snapshot per thread (a late message replaces, never adds to, the
 * earlier one, so nothing is counted twice), merged exactly; timeline entries
 * of the same interval merged by their histograms, per-proxy rows as in the
 * merged report.
 */
import { LatencyHistogram, mergeSnapshots } from '@session-engine/metrics';
import type { ProxyReport } from '@session-engine/proxy';
import { mergeProxyRows } from '../proxy-rows.js';
import type { LiveSnapshot } from '../run.js';
import { round, type TimelineEntry } from '../timeline.js';

/** Merges the latest snapshot of each thread into one reading of the whole run. */
export function mergeLive(snapshots: readonly LiveSnapshot[], plannedIterations: number): LiveSnapshot {
  return {
    // Threads start their windows together; until then (a warm-up) none is in 'load'.
    phase: snapshots.some((s) => s.phase === 'warmup') ? 'warmup' : 'load',
    elapsed_ms: Math.max(...snapshots.map((s) => s.elapsed_ms)),
    planned_ms: Math.max(...snapshots.map((s) => s.planned_ms)),
    iterations: snapshots.reduce((sum, s) => sum + s.iterations, 0),
    planned_iterations: plannedIterations,
    state: snapshots.some((s) => s.state === 'stopping') ? 'stopping' : 'running',
    metrics: mergeSnapshots(...snapshots.map((s) => s.metrics)),
    ...(snapshots.some((s) => s.proxies !== undefined) ? { proxies: mergeLiveProxies(snapshots) } : {}),
  };
}

/**
 * The threads' per-proxy rows as one row per proxy, by the merged report's
 * rules (`mergeProxyRows`): requests, failures and failovers add up; time
 * unhealthy is the longest; the circuit is the least healthy state any thread
 * has (open > half_open > closed > removed). Each thread has its own circuits
 * over the one proxy list, so a proxy open in one thread shows open.
 */
export function mergeLiveProxies(snapshots: readonly LiveSnapshot[]): ProxyReport[] {
  return mergeProxyRows(snapshots.map((s) => s.proxies ?? []));
}

/** The threads' entries for one interval as one entry: counts and rates add, percentiles come from the added histograms. */
export function mergeTimelineEntries(entries: readonly TimelineEntry[]): TimelineEntry {
  const histogram = LatencyHistogram.create();
  let requests = 0;
  let failed = 0;
  let rps = 0;
  let active = 0;
  let iterations = 0;
  for (const entry of entries) {
    requests += entry.requests;
    failed += entry.failed;
    rps += entry.rps;
    active += entry.active_sessions;
    iterations += entry.iterations;
    histogram.add(LatencyHistogram.decode(entry.hdr));
  }
  const summary = histogram.summary();
  return {
    t: entries[0]?.t ?? 0,
    requests,
    failed,
    rps: round(rps, 1),
    latency: { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) },
    active_sessions: active,
    iterations,
    hdr: histogram.encode(2),
  };
}
