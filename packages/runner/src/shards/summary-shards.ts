/**
 * The summary's `shard` / `shards` line: which shard a report is (and how
 * late it started against `start_at`), or, for a merged report, each shard's
 * requests.
 */
import type { RunReport } from '../report.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `['shard', '1/3 (0-based)   run r1   started 12 ms after start_at']`, `['shards', '3 merged   run r1: #0 101 req   ...']`, or undefined. */
export function describeShards(report: RunReport): [label: string, text: string] | undefined {
  const run = report.run_id != null ? `   run ${report.run_id}` : '';
  if (report.shards !== undefined && report.shards.length > 0) {
    const rows = report.shards.map((row) => `#${row.shard} ${integer.format(row.total)} req${row.partial !== undefined ? ' (partial)' : ''}`).join('   ');
    return ['shards', `${report.shards.length} merged${run}: ${rows}`];
  }
  if (report.shard === undefined) return undefined;
  const lag = report.start_at != null ? Date.parse(report.started_at) - Date.parse(report.start_at) : Number.NaN;
  const late = Number.isFinite(lag) ? `   started ${integer.format(Math.max(0, lag))} ms after start_at` : '';
  return ['shard', `${report.shard.index}/${report.shard.count} (0-based)${run}${late}`];
}
