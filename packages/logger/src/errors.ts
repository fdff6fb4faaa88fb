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

/** A level name outside `debug | info | warn | error` (a typo in a config file or flag). */
export class InvalidLevelError extends LoggerError {
  /** The rejected value, as given. */
  readonly level: unknown;

  constructor(level: unknown) {
    super(
      `invalid log level ${describe(level)}: expected one of debug, info, warn, error`,
      'SE_ERR_LOGGER_INVALID_LEVEL',
    );
    this.name = 'InvalidLevelError';
    this.level = level;
  }
}

/** An option of `createLogger` with the wrong type or value. */
export class InvalidOptionError extends LoggerError {
  /** Name of the offending option, e.g. `destination`. */
  readonly option: string;

  constructor(option: string, expected: string) {
    super(`invalid logger option "${option}": expected ${expected}`, 'SE_ERR_LOGGER_INVALID_OPTIONS');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  return `a value of type ${typeof value}`;
}
