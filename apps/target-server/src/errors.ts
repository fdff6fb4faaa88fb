/**
 * Base class of every target-server error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class TargetServerError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_TARGET', options?: ErrorOptions) {
    super(message, options);
    this.name = 'TargetServerError';
    this.code = code;
  }
}

/** An option passed to `startTargetServer` is out of range or of the wrong type. */
export class TargetServerOptionError extends TargetServerError {
  readonly option: string;

  constructor(option: string, message: string) {
    super(`invalid option ${option}: ${message}`, 'SE_ERR_TARGET_INVALID_OPTIONS');
    this.name = 'TargetServerOptionError';
    this.option = option;
  }
}

/** A command-line flag or environment variable of the `target-server` binary is invalid. */
export class TargetServerUsageError extends TargetServerError {
  constructor(message: string) {
    super(message, 'SE_ERR_TARGET_INVALID_ARGUMENT');
    this.name = 'TargetServerUsageError';
  }
}

/** The server could not bind its address (port taken, permission denied, unknown host). */
export class TargetServerListenError extends TargetServerError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot listen on ${host}:${port}: ${reason}`, 'SE_ERR_TARGET_LISTEN', { cause });
    this.name = 'TargetServerListenError';
    this.host = host;
    this.port = port;
  }
}

/**
 * A request the server refuses with a 4xx answer (bad body, bad parameter). Internal: handlers
 * throw it and the dispatcher turns it into a JSON error response; it never reaches users.
 */
export class RequestRejectedError extends TargetServerError {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message, 'SE_ERR_TARGET_REQUEST_REJECTED');
    this.name = 'RequestRejectedError';
    this.status = status;
    this.reason = reason;
  }
}
