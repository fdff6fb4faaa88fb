import { Args, Flags } from '@oclif/core';
import { readReportFile, renderHtmlReport, formatBytes } from '@session-engine/runner';
import { ReportCommand } from '../../report/report-command.js';
import { checkOutPath, writeAtomic } from '../../run/run-engine.js';

export default class ReportHtml extends ReportCommand {
  static override summary = 'Render a saved JSON report as one self-contained HTML page.';

  static override description = `Reads a report written by engine run --out (or --json) and writes an HTML page with the run's headline, charts over time (requests and failures per second, latency p50/p95/p99, active sessions), status codes, error kinds, per-step percentiles, checks, thresholds, failure reasons and the effective configuration (secrets redacted).

The page is one file with its script, styles and data inlined: it makes no network request when opened, so it can be attached to a CI run or mailed. engine run --html <file> writes the same page at the end of a run.

Exit codes: 0 written, 1 the report file is missing, not JSON or not a session-engine report, or the output cannot be written.`;

  static override examples = [
    {
      description: 'Render the report of an earlier run',
      command: '<%= config.bin %> <%= command.id %> report.json -o report.html',
    },
    {
      description: 'Run, keep the JSON, render the page later',
      command: '<%= config.bin %> run -t http://127.0.0.1:8080/ -d 30s --out run.json && <%= config.bin %> <%= command.id %> run.json -o run.html',
    },
  ];

  static override args = {
    report: Args.string({ description: 'JSON report file (from engine run --out or --json).', required: true }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'HTML file to write (atomically; replaced if it exists).', required: true, helpValue: '<file>' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ReportHtml);
    let size: number;
    try {
      checkOutPath(flags.out, '--out', 'report.html');
      const html = renderHtmlReport(await readReportFile(args.report));
      writeAtomic(flags.out, html);
      size = Buffer.byteLength(html);
    } catch (error) {
      this.fail(error);
    }
    this.log(`wrote ${flags.out} (${formatBytes(size)}); open it in a browser, it needs no network`);
  }
}
