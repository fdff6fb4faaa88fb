/**
 * A `session_state` file with worker threads: the file has one writer, the
 * main thread. It opens the file once (bad state stops the run there, as in
 * one thread), hands each thread the saved state of its own sessions, and
 * writes what the threads send at each save; a thread's store relays its
 * saves and waits for the main thread's answer, so its report says whether
 * they went through. Sessions a thread adds during the run (the control API
 * scaling up) have ids outside what it was handed: it asks the main thread
 * for their saved state (`state-load`).
 */
import type { MessagePort } from 'node:worker_threads';
import { isRedisLocation, openStateStore, type SavedSession, type StateStore } from '@session-engine/state-store';
import type { EngineConfig } from '@session-engine/config';
import type { ThreadPlan } from './partition.js';

/** Worker -> main thread: save these sessions (answered with `state-saved` and the same id). */
export interface StateSaveMessage {
  type: 'state-save';
  id: number;
  sessions: SavedSession[];
}

/** Main thread -> worker: how a `state-save` went. */
export interface StateSavedMessage {
  type: 'state-saved';
  id: number;
  ok: boolean;
  message?: string;
}

/** Worker -> main thread: the saved state of these session ids (answered with `state-loaded` and the same id). */
export interface StateLoadMessage {
  type: 'state-load';
  id: number;
  ids: number[];
}

/** Main thread -> worker: the saved state a `state-load` asked for (ids with nothing saved are absent), or why not. */
export interface StateLoadedMessage {
  type: 'state-loaded';
  id: number;
  ok: boolean;
  sessions?: SavedSession[];
  message?: string;
}

/** Whether a run split into threads keeps its `session_state` in a file, which only the main thread writes. */
export function isStateFile(config: Readonly<EngineConfig>): boolean {
  return config.session_state !== '' && !isRedisLocation(config.session_state);
}

/**
 * Opens the state file in the main thread and reads the saved state of each
 * plan's sessions (its consecutive id range).
 * @throws the store's errors (SE_ERR_STATE_STORE_*): an unreadable, corrupt or wrong-version file
 */
export async function openThreadsStateFile(
  config: Readonly<EngineConfig>,
  plans: readonly ThreadPlan[],
): Promise<{ store: StateStore; saved: SavedSession[][] }> {
  const store = await openStateStore(config.session_state, { reset: config.session_state_reset, ttlMs: config.session_state_ttl });
  try {
    const saved: SavedSession[][] = [];
    for (const plan of plans) {
      const first = plan.partition.sessionsBefore + 1;
      const ids = Array.from({ length: plan.config.number_of_sessions }, (_, i) => first + i);
      saved.push([...(await store.load(ids)).values()]);
    }
    return { store, saved };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Writes a thread's save to the main thread's store and answers it; never throws. */
export async function saveForThread(store: StateStore, message: StateSaveMessage): Promise<StateSavedMessage> {
  try {
    await store.save(message.sessions);
    return { type: 'state-saved', id: message.id, ok: true };
  } catch (error) {
    return { type: 'state-saved', id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Reads a thread's `state-load` from the main thread's store and answers it; never throws. */
export async function loadForThread(store: StateStore, message: StateLoadMessage): Promise<StateLoadedMessage> {
  try {
    return { type: 'state-loaded', id: message.id, ok: true, sessions: [...(await store.load(message.ids)).values()] };
  } catch (error) {
    return { type: 'state-loaded', id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** A thread's store: loads from what the main thread handed over (asking it for other ids), saves through it. */
export class RelayedStateStore implements StateStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly #port: MessagePort;
  readonly #saved: Map<number, SavedSession>;
  readonly #handed: { first: number; count: number };
  readonly #pending = new Map<number, { resolve: (sessions: SavedSession[]) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  /** `handed`: the id range whose saved state `saved` is (the thread's sessions at start). */
  constructor(location: string, saved: readonly SavedSession[], port: MessagePort, handed: { first: number; count: number }) {
    this.location = location;
    this.#saved = new Map(saved.map((session) => [session.id, session]));
    this.#port = port;
    this.#handed = handed;
  }

  /** Settles the save or load the main thread answered (the worker routes `state-saved` and `state-loaded` messages here). */
  settle(message: StateSavedMessage | StateLoadedMessage): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.type === 'state-loaded' ? (message.sessions ?? []) : []);
    else {
      const what = message.type === 'state-loaded' ? 'reading session state from' : 'saving session state to';
      pending.reject(new Error(message.message ?? `${what} ${this.location} failed`));
    }
  }

  async load(ids: readonly number[]): Promise<Map<number, SavedSession>> {
    const found = new Map<number, SavedSession>();
    const asked: number[] = [];
    const { first, count } = this.#handed;
    for (const id of ids) {
      if (id < first || id >= first + count) asked.push(id);
      const saved = this.#saved.get(id);
      if (saved !== undefined) found.set(id, saved);
    }
    if (asked.length > 0) for (const saved of await this.#ask({ type: 'state-load', ids: asked })) found.set(saved.id, saved);
    return found;
  }

  async save(sessions: readonly SavedSession[]): Promise<void> {
    await this.#ask({ type: 'state-save', sessions: [...sessions] });
  }

  #ask(request: Omit<StateSaveMessage, 'id'> | Omit<StateLoadMessage, 'id'>): Promise<SavedSession[]> {
    const id = ++this.#nextId;
    return new Promise<SavedSession[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#port.postMessage({ ...request, id } satisfies StateSaveMessage | StateLoadMessage);
    });
  }

  async close(): Promise<void> {
    this.#saved.clear();
  }
}
