/**
 * Base class of every runner error. Users match on `code` (stable across
 * releases), never on the message text; every message says what is wrong,
 * where, and how to fix it.
 */
export class RunnerError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_RUNNER', options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
  }
}

/** `run()` was called with options it cannot use (no config, a signal that is not an AbortSignal, ...). */
export class RunOptionsError extends RunnerError {
  constructor(message: string) {
    super(message, 'SE_ERR_RUNNER_INVALID_OPTIONS');
    this.name = 'RunOptionsError';
  }
}

/** Neither `target_url`, a `script` nor a `job` says what to send requests to. */
export class NoTargetError extends RunnerError {
  constructor() {
    super(
      'no target: pass --target <url>, set "target_url" in the config file or SESSION_ENGINE_TARGET_URL, or try --demo',
      'SE_ERR_RUNNER_NO_TARGET',
    );
    this.name = 'NoTargetError';
  }
}

/** An NDJSON results file (`NdjsonSink`, `engine run --out-ndjson`) could not be opened or written; `path` names it. */
export class NdjsonWriteError extends RunnerError {
  readonly path: string;

  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_RUNNER_NDJSON_WRITE', options);
    this.name = 'NdjsonWriteError';
    this.path = path;
  }
}

/** `proxy_file` names a file that lists no proxies. */
export class NoProxiesError extends RunnerError {
  constructor(file: string) {
    super(
      `proxy file ${file} lists no proxies; add one per line (http://host:port, socks5://user:pass@host:port, ...) or drop --proxy-file / "proxy_file" to connect directly`,
      'SE_ERR_RUNNER_NO_PROXIES',
    );
    this.name = 'NoProxiesError';
  }
}

/** Some sessions could not be created (a proxy URL the client rejects, ...): the run does not start. */
export class SessionsFailedError extends RunnerError {
  readonly errors: readonly unknown[];

  constructor(wanted: number, errors: readonly unknown[]) {
    const shown = errors.slice(0, 5).map((e) => `  - ${e instanceof Error ? e.message : String(e)}`);
    super(
      `${errors.length} of ${wanted} sessions could not be created:\n${shown.join('\n')}` +
        (errors.length > 5 ? `\n  ... and ${errors.length - 5} more` : ''),
      'SE_ERR_RUNNER_SESSIONS',
    );
    this.name = 'SessionsFailedError';
    this.errors = errors;
  }
}

/** `script` names a file that does not exist. */
export class ScriptNotFoundError extends RunnerError {
  constructor(path: string, absolute: string) {
    super(
      `script not found: ${path} (resolved to ${absolute}); check the path given to --script or "script" in the config`,
      'SE_ERR_RUNNER_SCRIPT_NOT_FOUND',
    );
    this.name = 'ScriptNotFoundError';
  }
}

/** The script module threw while loading (a syntax error, a failing import). */
export class ScriptLoadError extends RunnerError {
  constructor(path: string, detail: string, cause: unknown) {
    super(
      `script ${path} failed to load: ${detail}; fix the error in the script (run it with node to see the full stack)`,
      'SE_ERR_RUNNER_SCRIPT_LOAD',
      { cause },
    );
    this.name = 'ScriptLoadError';
  }
}

/** The script module has no default-exported function. */
export class ScriptExportError extends RunnerError {
  constructor(path: string, found: string) {
    super(
      `script ${path} must export a default function, e.g. "export default async (session, context) => { await context.request({ path: '/' }) }" (found ${found})`,
      'SE_ERR_RUNNER_SCRIPT_EXPORT',
    );
    this.name = 'ScriptExportError';
  }
}

/** A `{{variable}}` had no value when a step was sent (the config check catches most of these at load). */
export class TemplateError extends RunnerError {
  constructor(message: string) {
    super(message, 'SE_ERR_RUNNER_TEMPLATE');
    this.name = 'TemplateError';
  }
}

/** A scenario step could not do what it says: a capture found nothing, or the body is not JSON. */
export class StepFailure extends RunnerError {
  constructor(message: string) {
    super(message, 'SE_ERR_RUNNER_STEP');
    this.name = 'StepFailure';
  }
}

/** A report given to `mergeReports` is not a report this version can read. */
export class ReportFormatError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_RUNNER_REPORT_FORMAT', options);
    this.name = 'ReportFormatError';
  }
}

/** A report file to read back (`engine report html|summary`) is missing or cannot be read. */
export class ReportFileError extends RunnerError {
  readonly path: string;

  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_RUNNER_REPORT_FILE', options);
    this.name = 'ReportFileError';
    this.path = path;
  }
}

/** A report file is not valid JSON; `line` and `column` (1-based) say where. */
export class ReportParseError extends RunnerError {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(message: string, position: { file: string; line: number; column: number }, options?: ErrorOptions) {
    super(message, 'SE_ERR_RUNNER_REPORT_PARSE', options);
    this.name = 'ReportParseError';
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
  }
}

/** `RunControl.reloadProxies()` when there is nothing to reload: the run has no `proxy_file`, or is not running. */
export class NoProxyFileError extends RunnerError {
  constructor() {
    super('no proxies to reload: the run has no proxy_file, or it is not running (yet, or any more)', 'SE_ERR_RUNNER_NO_PROXY_FILE');
    this.name = 'NoProxyFileError';
  }
}

/** A worker thread of `runThreads()` crashed (an uncaught error, out of memory) before the run started. */
export class ThreadCrashedError extends RunnerError {
  constructor(message: string) {
    super(`${message}; the run did not start`, 'SE_ERR_RUNNER_THREAD_CRASHED');
    this.name = 'ThreadCrashedError';
  }
}
