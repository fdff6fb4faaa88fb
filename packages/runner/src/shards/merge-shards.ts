/**
 * Merges the reports of a run's shards into the report of the whole run,
 * after checking that they are one run: the same run id and config hash, the
 * same shard count, each shard once, none missing (unless allowed: then the
 * report says `partial`). The figures merge exactly (`mergeReports`:
 * histograms added bucket by bucket) and the thresholds are evaluated again
 * on the merged figures.
 */
import { mergeReports } from '../merge-reports.js';
import { partTotals, type RunReport, type ShardRow } from '../report.js';
import { ShardMergeError } from './errors.js';

export interface MergeShardsOptions {
  /** Names of the reports in messages and in `shards[].source` (file paths), in the order of the reports; default `reports[i]`. */
  sources?: readonly string[];
  /** The shard count the run must have (`--expect-shards`); default: the count the reports record. */
  expectShards?: number;
  /** Merge even when shards are missing; the merged report's `partial` names them. */
  allowPartial?: boolean;
}

const HOW = 'write shard reports with engine run --shard <index>/<count> --run-id <id> --out <file>';

function describe(values: Map<string, string[]>): string {
  return [...values].map(([value, sources]) => `${value} (${sources.join(', ')})`).join(' vs ');
}

function group<T>(reports: readonly RunReport[], names: readonly string[], key: (report: RunReport) => T): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  reports.forEach((report, i) => {
    const value = JSON.stringify(key(report));
    groups.set(value, [...(groups.get(value) ?? []), names[i]!]);
  });
  return groups;
}

/** Ranges of indices for messages: [0, 1, 2, 5] -> "0-2, 5". */
function ranges(indices: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    out.push(j === i ? String(indices[i]) : `${indices[i]}-${indices[j]}`);
    i = j;
  }
  return out.join(', ');
}

/**
 * The report of the whole run from its shards' reports.
 * @throws ShardMergeError `SE_ERR_RUNNER_SHARD_NOT_SHARD`, `_MISMATCH` (run ids, config hashes or shard counts differ, or not `expectShards`), `_DUPLICATE`, `_MISSING`
 * @throws ReportFormatError a report is not one this version can merge
 */
export function mergeShardReports(reports: readonly RunReport[], options: MergeShardsOptions = {}): RunReport {
  if (!Array.isArray(reports) || reports.length === 0) throw new ShardMergeError(`no shard reports to merge; ${HOW}`, 'SE_ERR_RUNNER_SHARD_MISSING');
  const names = reports.map((_, i) => options.sources?.[i] ?? `reports[${i}]`);
  reports.forEach((report, i) => {
    const shard = report.shard;
    const ok = shard !== undefined && Number.isInteger(shard.index) && Number.isInteger(shard.count) && shard.index >= 0 && shard.index < shard.count;
    if (!ok || typeof report.config_hash !== 'string') {
      throw new ShardMergeError(`${names[i]} is not a shard's report (it has no ${ok ? 'config_hash' : 'valid shard'} field); ${HOW}`, 'SE_ERR_RUNNER_SHARD_NOT_SHARD');
    }
  });
  const runIds = group(reports, names, (report) => report.run_id ?? null);
  if (runIds.size > 1) {
    throw new ShardMergeError(`the reports are of different runs: run ids ${describe(runIds)}; merge the reports of one run only`, 'SE_ERR_RUNNER_SHARD_MISMATCH');
  }
  const hashes = group(reports, names, (report) => report.config_hash);
  if (hashes.size > 1) {
    throw new ShardMergeError(
      `the shards ran different configs: config hashes ${describe(hashes)}; give every shard the same config file, flags and --threads (only log_level and the control API may differ), then run them again`,
      'SE_ERR_RUNNER_SHARD_MISMATCH',
    );
  }
  const counts = group(reports, names, (report) => report.shard!.count);
  if (counts.size > 1) {
    throw new ShardMergeError(`the reports disagree on the number of shards: ${describe(counts)}; every shard of a run is started with the same --shard <index>/<count>`, 'SE_ERR_RUNNER_SHARD_MISMATCH');
  }
  const count = reports[0]!.shard!.count;
  if (options.expectShards !== undefined && options.expectShards !== count) {
    throw new ShardMergeError(`expected ${options.expectShards} shards, but the reports are of a run of ${count} shards (--shard <index>/${count})`, 'SE_ERR_RUNNER_SHARD_MISMATCH');
  }
  const byIndex = new Map<number, number>();
  reports.forEach((report, i) => {
    const index = report.shard!.index;
    const seen = byIndex.get(index);
    if (seen !== undefined) {
      throw new ShardMergeError(`shard ${index}/${count} is given twice: ${names[seen]} and ${names[i]}; pass each shard's report once`, 'SE_ERR_RUNNER_SHARD_DUPLICATE');
    }
    byIndex.set(index, i);
  });
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !byIndex.has(index));
  const missingText = missing.length === 0 ? undefined : `shard${missing.length === 1 ? '' : 's'} ${ranges(missing)} of ${count} missing`;
  if (missingText !== undefined && options.allowPartial !== true) {
    throw new ShardMergeError(
      `${missingText} (have ${ranges([...byIndex.keys()].sort((a, b) => a - b))}); pass every shard's report, or --allow-partial to merge what there is (the merged report is then marked partial)`,
      'SE_ERR_RUNNER_SHARD_MISSING',
    );
  }

  const order = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  const merged = mergeReports(order.map((i) => reports[i]!));
  const first = reports[order[0]!]!;
  const shards = order.map((i): ShardRow => {
    const report = reports[i]!;
    return {
      shard: report.shard!.index,
      ...(options.sources?.[i] !== undefined ? { source: options.sources[i] } : {}),
      started_at: report.started_at,
      sessions: report.sessions.configured,
      ...partTotals(report),
      ...(report.partial !== undefined ? { partial: report.partial } : {}),
    };
  });
  const partial = [
    ...(missingText !== undefined ? [missingText] : []),
    ...order.flatMap((i) => (reports[i]!.partial !== undefined ? [`shard ${reports[i]!.shard!.index}: ${reports[i]!.partial}`] : [])),
  ];
  return {
    ...merged,
    run_id: first.run_id ?? null,
    start_at: first.start_at ?? null,
    config_hash: first.config_hash!,
    shards,
    ...(partial.length > 0 ? { partial: partial.join('; ') } : {}),
  };
}
