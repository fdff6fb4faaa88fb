/**
 * Base class of every scheduler error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class SchedulerError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_SCHEDULER', options?: ErrorOptions) {
    super(message, options);
    this.name = 'SchedulerError';
    this.code = code;
  }
}
