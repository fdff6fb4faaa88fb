/**
 * What `engine report html` and `engine report summary` share: bad input
 * (a flag, a missing file, a file that is not a report) is one `error:` line
 * on stderr and exit 1, as with `engine run`; the runner's messages already
 * say what is wrong, where and how to fix it.
 */
import { Command, type Interfaces } from '@oclif/core';

export abstract class ReportCommand extends Command {
  /** Flag and argument errors exit 1 like every other bad input, not oclif's 2. */
  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if ((error as { oclif?: { exit?: number } }).oclif?.exit === 2) {
      this.logToStderr(`error: ${error.message.replace(/^The following errors? occurred:\s*/, '').replace(/\n\s*See more help with --help\s*$/, '')}\nSee: ${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? 'report'} --help`);
      this.exit(1);
    }
    return super.catch(error);
  }

  /** Prints the error as one line and exits 1. */
  protected fail(error: unknown): never {
    this.logToStderr(`error: ${error instanceof Error ? error.message : String(error)}`);
    return this.exit(1);
  }
}
