/**
 * Base class of every worker pool error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class WorkerPoolError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_POOL', options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkerPoolError';
    this.code = code;
  }
}
