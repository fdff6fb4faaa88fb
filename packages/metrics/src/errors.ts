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

/** An option or argument is outside its documented range (never thrown on the record path). */
export class MetricsArgumentError extends MetricsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_METRICS_INVALID_ARGUMENT', options);
    this.name = 'MetricsArgumentError';
  }
}

/** A snapshot handed to `mergeSnapshots` is malformed or its histogram cannot be decoded. */
export class SnapshotFormatError extends MetricsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_METRICS_INVALID_SNAPSHOT', options);
    this.name = 'SnapshotFormatError';
  }
}

/** `mergeSnapshots` was called without any snapshot. */
export class EmptyMergeError extends MetricsError {
  constructor() {
    super('mergeSnapshots needs at least one snapshot', 'SE_ERR_METRICS_NO_SNAPSHOTS');
    this.name = 'EmptyMergeError';
  }
}
