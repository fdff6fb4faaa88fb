/**
 * undici's `close()` / `destroy()` signatures: an optional error and an
 * optional callback, used instead of the returned promise when given.
 */
export type DestroyArgs = [errorOrCallback?: Error | null | (() => void), callback?: () => void];

/** The error and callback of a `destroy(...)` call, whichever overload was used. */
export function destroyArgs(...[errorOrCallback, callback]: DestroyArgs): { error: Error | null; callback: (() => void) | undefined } {
  if (typeof errorOrCallback === 'function') return { error: null, callback: errorOrCallback };
  return { error: errorOrCallback ?? null, callback };
}

/** Returns `done`, or hands it to `callback` (settled either way) and returns nothing. */
export function promiseOrCallback(done: Promise<void>, callback: (() => void) | undefined): Promise<void> | void {
  if (callback === undefined) return done;
  done.then(callback, callback);
}
