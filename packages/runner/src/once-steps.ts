/**
 * Which `once` steps each session has completed, by session id and step
 * name. The scenario runner skips a completed one; the run saves and restores
 * it with the rest of a session's state, so a session that logged in during an
 * earlier run does not log in again (its cookies and captures came back too).
 */
export class OnceSteps {
  readonly #done = new Map<number, Set<string>>();

  has(sessionId: number, step: string): boolean {
    return this.#done.get(sessionId)?.has(step) === true;
  }

  add(sessionId: number, step: string): void {
    let done = this.#done.get(sessionId);
    if (done === undefined) this.#done.set(sessionId, (done = new Set()));
    done.add(step);
  }

  /** The completed once steps of a session, in the order they were completed. */
  of(sessionId: number): string[] {
    return [...(this.#done.get(sessionId) ?? [])];
  }

  /** Marks these steps completed for a session (restored state). */
  restore(sessionId: number, steps: Iterable<string>): void {
    for (const step of steps) this.add(sessionId, step);
  }
}
