/**
 * Base class of every metrics error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class MetricsError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_METRICS', options?: ErrorOptions) {
    super(message, options);
    this.name = 'MetricsError';
    this.code = code;
  }
}
