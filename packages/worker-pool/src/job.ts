/** How a job ended. `done` resolves with this and never rejects. */
export type JobResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Told how a job ended, once, when it has run or was dropped. */
export type JobSettledCallback<T> = (result: JobResult<T>) => void;

/** What `submit()` hands back once the job is queued. */
export interface SubmittedJob<T> {
  /** Pool-unique, increasing in submission order (starts at 1). */
  readonly id: number;
  /** Settles when the job has run (or was dropped); never rejects. */
  readonly done: Promise<JobResult<T>>;
}

/**
 * One queued unit of work. The same object is the queue entry and the
 * `SubmittedJob` returned to the caller. Its `done` promise is made only
 * when somebody reads it: a caller that passed an `onSettled` callback (the
 * scheduler, once per iteration) costs the pool no promise at all.
 * `fn`/`settle` are internal: the public type only shows `id` and `done`.
 */
export class Job<T> implements SubmittedJob<T> {
  readonly id: number;
  readonly fn: () => T | PromiseLike<T>;
  readonly #onSettled: JobSettledCallback<T> | undefined;
  #result: JobResult<T> | undefined = undefined;
  #done: Promise<JobResult<T>> | undefined = undefined;
  #resolve: ((result: JobResult<T>) => void) | undefined = undefined;

  constructor(id: number, fn: () => T | PromiseLike<T>, onSettled?: JobSettledCallback<T>) {
    this.id = id;
    this.fn = fn;
    this.#onSettled = onSettled;
  }

  get done(): Promise<JobResult<T>> {
    if (this.#done === undefined) {
      this.#done =
        this.#result !== undefined
          ? Promise.resolve(this.#result)
          : new Promise<JobResult<T>>((resolve) => {
              this.#resolve = resolve;
            });
    }
    return this.#done;
  }

  /** Records the outcome (first call wins) and tells whoever asked. */
  settle(result: JobResult<T>): void {
    if (this.#result !== undefined) return;
    this.#result = result;
    this.#resolve?.(result);
    if (this.#onSettled !== undefined) {
      try {
        this.#onSettled(result);
      } catch (error) {
        // Surfaces like a throw in a `done.then()` callback would, without stopping the worker.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
