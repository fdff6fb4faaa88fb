/**
 * A `session_state` file with worker threads: the file has one writer, the
 * main thread. It opens the file once (bad state stops the run there, as in
 * one thread), hands each thread the saved state of its own sessions, and
 * writes what the threads send at each save; a thread's store relays its
 * saves and waits for the main thread's answer, so its report says whether
 * they went through.
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

/** A thread's store: loads from what the main thread handed over, saves through it. */
export class RelayedStateStore implements StateStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly #port: MessagePort;
  readonly #saved: Map<number, SavedSession>;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor(location: string, saved: readonly SavedSession[], port: MessagePort) {
    this.location = location;
    this.#saved = new Map(saved.map((session) => [session.id, session]));
    this.#port = port;
  }

  /** Settles the save the main thread answered (the worker routes `state-saved` messages here). */
  settle(message: StateSavedMessage): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve();
    else pending.reject(new Error(message.message ?? `saving session state to ${this.location} failed`));
  }

  async load(ids: readonly number[]): Promise<Map<number, SavedSession>> {
    const found = new Map<number, SavedSession>();
    for (const id of ids) {
      const saved = this.#saved.get(id);
      if (saved !== undefined) found.set(id, saved);
    }
    return found;
  }

  save(sessions: readonly SavedSession[]): Promise<void> {
    const id = ++this.#nextId;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#port.postMessage({ type: 'state-save', id, sessions: [...sessions] } satisfies StateSaveMessage);
    });
  }

  async close(): Promise<void> {
    this.#saved.clear();
  }
}
