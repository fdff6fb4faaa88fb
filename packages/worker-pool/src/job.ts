/** How a job ended. `done` resolves with this and never rejects. */
export type JobResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What `submit()` hands back once the job is queued. */
export interface SubmittedJob<T> {
  /** Pool-unique, increasing in submission order (starts at 1). */
  readonly id: number;
  /** Settles when the job has run (or was dropped); never rejects. */
  readonly done: Promise<JobResult<T>>;
}

/**
 * One queued unit of work. The same object is the queue entry and the
 * `SubmittedJob` returned to the caller, so a job costs one object, one
 * promise and its resolver closure. `fn`/`settle` are internal: the public
 * type only shows `id` and `done`.
 */
export class Job<T> implements SubmittedJob<T> {
  readonly id: number;
  readonly done: Promise<JobResult<T>>;
  readonly fn: () => T | PromiseLike<T>;
  settle!: (result: JobResult<T>) => void;

  constructor(id: number, fn: () => T | PromiseLike<T>) {
    this.id = id;
    this.fn = fn;
    this.done = new Promise<JobResult<T>>((resolve) => {
      this.settle = resolve;
    });
  }
}
