import type { MetricsSnapshot } from './snapshot.js';

/**
 * The periodic log line of the original engine:
 * `total: 15000 | success: 14850 | failed: 150 | rps: 250.0 | sessions: 500`
 * (`rps` is the lifetime rate, one decimal).
 */
export function formatSnapshotLine(
  snapshot: Pick<MetricsSnapshot, 'total' | 'success' | 'failed' | 'rps' | 'active_sessions'>,
): string {
  return (
    `total: ${snapshot.total} | success: ${snapshot.success} | failed: ${snapshot.failed}` +
    ` | rps: ${snapshot.rps.toFixed(1)} | sessions: ${snapshot.active_sessions}`
  );
}
