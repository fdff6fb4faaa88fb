/**
 * Base class of every logger error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class LoggerError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_LOGGER', options?: ErrorOptions) {
    super(message, options);
    this.name = 'LoggerError';
    this.code = code;
  }
}
