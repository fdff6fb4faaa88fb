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

/** The options passed to `new WorkerPool()` are invalid. */
export class WorkerPoolOptionsError extends WorkerPoolError {
  constructor(message: string) {
    super(message, 'SE_ERR_POOL_INVALID_OPTIONS');
    this.name = 'WorkerPoolOptionsError';
  }
}

/**
 * The pool is stopping or stopped: `submit()` after `stop()`, a submitter that
 * was still waiting for queue space when `stop()` was called, or `start()`
 * after `stop()`.
 */
export class WorkerPoolStoppedError extends WorkerPoolError {
  constructor(message = 'worker pool is stopped; no new jobs are accepted') {
    super(message, 'SE_ERR_POOL_STOPPED');
    this.name = 'WorkerPoolStoppedError';
  }
}

/** A queued job never ran because `stop({ drain: false })` discarded it. */
export class JobDroppedError extends WorkerPoolError {
  readonly jobId: number;

  constructor(jobId: number) {
    super(`job ${jobId} was dropped by stop({ drain: false }) before it ran`, 'SE_ERR_POOL_JOB_DROPPED');
    this.name = 'JobDroppedError';
    this.jobId = jobId;
  }
}
