/**
 * The scheduler's bookkeeping for one session. `busy` is the invariant that
 * matters: it is set before a job is handed to the pool and cleared only when
 * that job has finished (or was refused), and no job is handed over while it
 * is set, so a session never has two jobs in flight.
 */
/** How the pool says a job ended (`JobResult` fits). */
export interface SettledJob {
  readonly ok: boolean;
  readonly error?: unknown;
}

export class SessionSlot<S> {
  readonly id: number;
  readonly session: S;
  /** A job for this session is queued in the pool or running. */
  busy = false;
  /** In the ready list (waiting for a start). */
  queued = false;
  /** Next in the ready list (intrusive, so queueing allocates nothing). */
  next: SessionSlot<S> | undefined = undefined;
  /** Within the closed model's active target. */
  enabled = true;
  /** No longer registered with the session manager. */
  gone = false;
  /** Consecutive failed iterations. */
  failures = 0;
  /** No job before this time (ms, scheduler clock): the failure back-off. */
  notBefore = 0;
  /** Open model: the intended start of the job handed to the pool. */
  intendedStart = 0;
  /** The pool job for this session, created once. */
  readonly run: () => Promise<void> | void;
  /** Called when the pool refuses the job, created once. */
  readonly refused: (error: unknown) => void;
  /** Called by the pool once the job has run or was dropped, created once. */
  readonly settled: (result: SettledJob) => void;
  /** The iteration number of the job handed to the pool; 0 until it starts (and when it was skipped). */
  iteration = 0;

  constructor(
    id: number,
    session: S,
    run: (slot: SessionSlot<S>) => Promise<void> | void,
    refused: (slot: SessionSlot<S>, error: unknown) => void,
    settled: (slot: SessionSlot<S>, result: SettledJob) => void,
  ) {
    this.id = id;
    this.session = session;
    this.run = () => run(this);
    this.refused = (error) => refused(this, error);
    this.settled = (result) => settled(this, result);
  }
}

/** FIFO of slots waiting for a start: round-robin order, no allocation. */
export class ReadyList<S> {
  #head: SessionSlot<S> | undefined = undefined;
  #tail: SessionSlot<S> | undefined = undefined;

  push(slot: SessionSlot<S>): void {
    if (slot.queued) return;
    slot.queued = true;
    slot.next = undefined;
    if (this.#tail === undefined) this.#head = slot;
    else this.#tail.next = slot;
    this.#tail = slot;
  }

  shift(): SessionSlot<S> | undefined {
    const slot = this.#head;
    if (slot === undefined) return undefined;
    this.#head = slot.next;
    if (this.#head === undefined) this.#tail = undefined;
    slot.next = undefined;
    slot.queued = false;
    return slot;
  }
}
