/**
 * A user-facing failure of `engine run` (bad flags, config, proxy list,
 * script, or start-up). Exit code 1; the message says what, where and how to
 * fix, and no stack trace is printed unless the log level is debug.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode = 1;

  constructor(message: string, code = 'SE_ERR_CLI', options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}
