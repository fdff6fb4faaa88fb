import { Args } from '@oclif/core';
import { formatSummary, readReportFile } from '@session-engine/runner';
import { ReportCommand } from '../../report/report-command.js';

export default class ReportSummary extends ReportCommand {
  static override summary = 'Print the text summary of a saved JSON report again.';

  static override description = `Reads a report written by engine run --out (or --json) and prints the same summary engine run printed at the end of that run.

Exit codes: 0 printed, 1 the report file is missing, not JSON or not a session-engine report.`;

  static override examples = [
    {
      description: 'The summary of an earlier run',
      command: '<%= config.bin %> <%= command.id %> report.json',
    },
  ];

  static override args = {
    report: Args.string({ description: 'JSON report file (from engine run --out or --json).', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ReportSummary);
    let text: string;
    try {
      text = formatSummary(await readReportFile(args.report));
    } catch (error) {
      this.fail(error);
    }
    // Written as engine run writes it, so the two outputs are byte for byte the same.
    process.stdout.write(text);
  }
}
