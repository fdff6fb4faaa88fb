import { Args, Flags } from '@oclif/core';
import { formatSummary, mergeShardReports, readReportFile } from '@session-engine/runner';
import { ReportCommand } from '../../report/report-command.js';
import { checkOutPath, THRESHOLD_EXIT_CODE, writeAtomic } from '../../run/run-engine.js';

export default class ReportMerge extends ReportCommand {
  static override summary = "Merge the reports of a run's shards (engine run --shard) into the report of the whole run.";

  static override description = `Reads the JSON reports of the shards of one run (engine run --shard <i>/<N> --out <file>), checks that they are one run (the same run id and config hash, the same shard count, each shard once, none missing) and writes the report of the whole run: counts added, latency histograms added bucket by bucket (exact percentiles, never averaged), timelines merged, and each shard's totals under "shards". Thresholds in the config are evaluated again on the merged figures. The summary of the merged run is printed on stdout.

A missing shard is an error unless --allow-partial: then the merged report holds the shards there are and says "partial" with the missing indices.

Exit codes: 0 merged, 1 a report is missing, unreadable, not a shard report, or of another run or config, a shard is given twice or missing, or --out cannot be written, 99 a threshold was crossed on the merged figures.`;

  static override examples = [
    {
      description: 'Merge three shards into one report',
      command: '<%= config.bin %> <%= command.id %> shard-0.json shard-1.json shard-2.json --out report.json --expect-shards 3',
    },
    {
      description: 'One shard failed: merge the others, marked partial',
      command: '<%= config.bin %> <%= command.id %> reports/*.json --out report.json --allow-partial',
    },
  ];

  // The shard reports: one or more files.
  static override strict = false;

  static override args = {
    reports: Args.string({ description: 'Shard report files (from engine run --shard ... --out <file>), in any order.', required: true }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Merged JSON report to write (atomically; replaced if it exists).', required: true, helpValue: '<file>' }),
    'expect-shards': Flags.integer({ summary: 'The number of shards the run must have (fails when the reports say otherwise).', min: 1, helpValue: '<n>' }),
    'allow-partial': Flags.boolean({ summary: 'Merge even when shards are missing; the merged report is marked partial.' }),
    json: Flags.boolean({ summary: 'Print the merged report as JSON on stdout instead of the summary.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ReportMerge);
    const files = argv as string[];
    let code = 0;
    try {
      checkOutPath(flags.out);
      const reports = await Promise.all(files.map((file) => readReportFile(file)));
      const merged = mergeShardReports(reports, {
        sources: files,
        ...(flags['expect-shards'] !== undefined ? { expectShards: flags['expect-shards'] } : {}),
        allowPartial: flags['allow-partial'],
      });
      const json = `${JSON.stringify(merged, null, 2)}\n`;
      writeAtomic(flags.out, json);
      process.stdout.write(flags.json ? json : formatSummary(merged));
      this.logToStderr(`merged ${reports.length} shard report(s) of run ${merged.run_id ?? '(no run id)'} into ${flags.out}${merged.partial !== undefined ? ` (PARTIAL: ${merged.partial})` : ''}`);
      if (merged.thresholds.some((threshold) => !threshold.ok)) code = THRESHOLD_EXIT_CODE;
    } catch (error) {
      this.fail(error);
    }
    if (code !== 0) this.exit(code);
  }
}
