/**
 * Persistent session state in a run (config `session_state`): opened and
 * loaded before any session exists (bad state or an unreachable Redis stops
 * the run before a request), restored into the sessions before the load
 * window (and into sessions added during the run before their first job), saved every `session_state_interval` and at the end (after a
 * forced stop too, best effort), and summed up in the report.
 */
import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import type { ProxyEntry } from '@session-engine/proxy';
import type { CreateSessionsResult, Session, SessionManager } from '@session-engine/session';
import {
  captureSession,
  openStateStore,
  proxyKey,
  restoreSession,
  StateCorruptError,
  StateVersionError,
  type SavedSession,
  type StateStore,
} from '@session-engine/state-store';
import type { OnceSteps } from './once-steps.js';

/** The report's `session_state`: where the state lives and what the run did with it. */
export interface SessionStateReport {
  /** `file` or `redis`. */
  kind: 'file' | 'redis';
  /** The file path, or the Redis URL with credentials masked. */
  location: string;
  /** Redis: the run name in the keys (`session-engine:<name>:<id>`); null for a file. */
  name: string | null;
  /** True when the run started fresh (`session_state_reset`): nothing was restored. */
  reset: boolean;
  /** Sessions that found saved state and restored it (cookies, variables, proxy, once steps). */
  restored: number;
  /**
   * Restored sessions whose saved proxy is no longer in the proxy list (or, for a session added
   * during the run, is down then): they took the rotation's next.
   */
  proxies_replaced: number;
  /** Sessions the last successful save wrote. */
  saved: number;
  /** Successful saves (every interval and the final one). */
  saves: number;
  /** Failed saves (each logged; the run went on). */
  errors: number;
  /** Whether the final save went through; false = the stored state is the last good save's. */
  final_saved: boolean;
  /** The last failed save's message, or null. */
  last_error: string | null;
}

/** How often, and how long apart, the final save is tried (the Redis store reconnects in the background meanwhile). */
const FINAL_ATTEMPTS = 3;
const FINAL_RETRY_MS = 1_000;
/** Sessions captured per turn of the event loop during a save. */
const CAPTURE_BATCH = 200;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SessionStateKeeper {
  readonly #store: StateStore;
  readonly #logger: Logger;
  readonly #once: OnceSteps;
  readonly #report: SessionStateReport;
  #saved = new Map<number, SavedSession>();
  #sessions: Session[] = [];
  #saving: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(store: StateStore, config: Readonly<EngineConfig>, logger: Logger, once: OnceSteps) {
    this.#store = store;
    this.#logger = logger;
    this.#once = once;
    this.#report = {
      kind: store.kind,
      location: store.location,
      name: store.kind === 'redis' ? config.session_state_name : null,
      reset: config.session_state_reset,
      restored: 0,
      proxies_replaced: 0,
      saved: 0,
      saves: 0,
      errors: 0,
      final_saved: false,
      last_error: null,
    };
  }

  /**
   * Opens `config.session_state` and loads the state of sessions
   * firstId..firstId+n-1 (a fresh manager's ids; a later part of a run split
   * side by side starts after the earlier parts'). Undefined when the config has none.
   * `opened`: a store to use instead of opening `config.session_state` (a thread's, relayed to the main thread).
   * @throws the store's errors (SE_ERR_STATE_STORE_*): bad state, unreachable Redis
   */
  static async open(
    config: Readonly<EngineConfig>,
    logger: Logger,
    once: OnceSteps,
    sessions: number,
    firstId = 1,
    opened?: StateStore,
  ): Promise<SessionStateKeeper | undefined> {
    if (!config.session_state) return undefined;
    const store =
      opened ??
      (await openStateStore(config.session_state, {
        name: config.session_state_name,
        ttlMs: config.session_state_ttl,
        reset: config.session_state_reset,
        onConnectionError: (error) => logger.warn(`session state: ${error.message}; the run goes on, saves fail until it is back`),
      }));
    const keeper = new SessionStateKeeper(store, config, logger, once);
    try {
      keeper.#saved = await store.load(Array.from({ length: sessions }, (_, i) => i + firstId));
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return keeper;
  }

  /**
   * The `proxyFor` of the session manager: a restored session's saved proxy,
   * when it is still in `entries`; otherwise the rotation decides (logged).
   */
  proxyFor(entries: readonly ProxyEntry[]): (id: number) => ProxyEntry | undefined {
    return this.#proxyPicker(entries, [], this.#saved);
  }

  /** The saved proxy of a session in `saved` when it is among `healthy`; otherwise undefined (the rotation's next), logged and counted. */
  #proxyPicker(
    healthy: readonly ProxyEntry[],
    down: readonly ProxyEntry[],
    saved: ReadonlyMap<number, SavedSession>,
  ): (id: number) => ProxyEntry | undefined {
    const byKey = new Map(healthy.map((entry) => [proxyKey(entry.url), entry]));
    const downKeys = new Set(down.map((entry) => proxyKey(entry.url)));
    return (id) => {
      const key = saved.get(id)?.proxy;
      if (key === null || key === undefined) return undefined;
      const entry = byKey.get(key);
      if (entry === undefined) {
        this.#report.proxies_replaced += 1;
        const why = downKeys.has(key) ? 'is down (its circuit is open)' : 'is no longer in the proxy list';
        this.#logger.warn(`session ${id}: its saved proxy ${key} ${why}; it takes a new one`, { sessionId: id });
      }
      return entry;
    };
  }

  /** Restores cookies, variables and once steps into the sessions that have saved state; keeps the sessions to save later. */
  async restore(sessions: readonly Session[]): Promise<void> {
    this.#sessions = [...sessions];
    for (const session of sessions) {
      const saved = this.#saved.get(session.id);
      if (saved === undefined) continue;
      await restoreSession(session, saved);
      this.#once.restore(session.id, saved.once);
      this.#report.restored += 1;
    }
    this.#saved.clear();
    const fresh = sessions.length - this.#report.restored;
    this.#logger.info(
      `session state: restored ${this.#report.restored} of ${sessions.length} session(s) from ${this.#store.location}${this.#report.reset ? ' (reset: starting fresh)' : ''}${fresh > 0 ? `; ${fresh} start fresh` : ''}`,
    );
  }

  /**
   * Adds `n` sessions during the run (the control API scaling up) through `manager.add()`, with
   * the same restore as at start: each starts on its saved proxy when `proxies` lists it and it
   * is healthy now, and gets its cookies, variables and once steps back before it is registered,
   * so before its first job. A saved entry that cannot be read or restored is logged and that
   * session starts fresh (at start, bad state stops the run; here the run goes on). The new
   * sessions are saved with the others from the next save on, under their own ids.
   */
  async addSessions(
    manager: SessionManager,
    n: number,
    proxies?: { healthy(): ProxyEntry[]; unhealthy(): ProxyEntry[] },
  ): Promise<CreateSessionsResult> {
    let saved = new Map<number, SavedSession>();
    let proxyFor: ((id: number) => ProxyEntry | undefined) | undefined;
    const restoredIds = new Set<number>();
    const result = await manager.add(n, {
      prepare: async (ids) => {
        saved = await this.#loadAdded(ids);
        if (proxies !== undefined) proxyFor = this.#proxyPicker(proxies.healthy(), proxies.unhealthy(), saved);
      },
      proxyFor: (id) => proxyFor?.(id),
      setUp: async (session) => {
        const entry = saved.get(session.id);
        if (entry === undefined) return;
        try {
          await restoreSession(session, entry);
        } catch (error) {
          this.#logger.warn(`session state: session ${session.id}, added during the run, starts fresh: its saved state could not be restored (${messageOf(error)})`, {
            sessionId: session.id,
          });
          return;
        }
        this.#once.restore(session.id, entry.once);
        restoredIds.add(session.id);
      },
    });
    this.#sessions.push(...result.ids.flatMap((id) => manager.get(id) ?? []));
    // Only sessions that registered: one the run's stop caught during its creation is not counted.
    const restored = result.ids.filter((id) => restoredIds.has(id)).length;
    this.#report.restored += restored;
    if (result.ids.length > 0) {
      this.#logger.info(`session state: restored ${restored} of ${result.ids.length} session(s) added during the run from ${this.#store.location}`);
    }
    return result;
  }

  /**
   * The saved state of sessions added during the run. Never throws: a corrupt entry costs only
   * its own session its state (the others are read one by one then); a store that cannot be read
   * leaves them all fresh. Each failure is logged once.
   */
  async #loadAdded(ids: readonly number[]): Promise<Map<number, SavedSession>> {
    if (this.#report.reset) return new Map();
    try {
      return await this.#store.load(ids);
    } catch (error) {
      if (!(error instanceof StateCorruptError || error instanceof StateVersionError)) {
        this.#logger.warn(`session state: ${ids.length} session(s) added during the run start fresh: their saved state could not be read (${messageOf(error)})`);
        return new Map();
      }
    }
    const found = new Map<number, SavedSession>();
    for (const id of ids) {
      try {
        for (const [key, value] of await this.#store.load([id])) found.set(key, value);
      } catch (error) {
        this.#logger.warn(`session state: session ${id}, added during the run, starts fresh: ${messageOf(error)}`, { sessionId: id });
      }
    }
    return found;
  }

  /** Saves every `intervalMs` (0 = only at the end) until `stop()`. */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      // One save at a time: a slow one is not stacked on.
      if (this.#saving === undefined) void this.#save();
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /**
   * The final save, after the run: retried (the store may be reconnecting)
   * unless the stop was forced, where it is one attempt. Never throws.
   */
  async finish(forced: boolean): Promise<void> {
    this.stop();
    if (this.#saving !== undefined) await this.#saving;
    const attempts = forced ? 1 : FINAL_ATTEMPTS;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (await this.#save()) {
        this.#report.final_saved = true;
        this.#logger.info(`session state: saved ${this.#report.saved} session(s) to ${this.#store.location}`);
        return;
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, FINAL_RETRY_MS * attempt));
    }
    this.#logger.error(
      `session state: the final save to ${this.#store.location} failed (${this.#report.last_error ?? 'unknown error'}); what is stored is the last good save's (${this.#report.saves} succeeded)`,
    );
  }

  summary(): SessionStateReport {
    return { ...this.#report };
  }

  close(): Promise<void> {
    this.stop();
    return this.#store.close();
  }

  #save(): Promise<boolean> {
    const saving = (async () => {
      try {
        // In batches, yielding between them: capturing 2000 sessions at once held the event loop
        // for 30-100 ms (measured on a loaded 2-core machine), which in-flight requests would feel.
        const records: SavedSession[] = [];
        for (let start = 0; start < this.#sessions.length; start += CAPTURE_BATCH) {
          if (start > 0) await new Promise((resolve) => setImmediate(resolve));
          const batch = this.#sessions.slice(start, start + CAPTURE_BATCH);
          records.push(...(await Promise.all(batch.map((session) => captureSession(session, { once: this.#once.of(session.id) })))));
        }
        await this.#store.save(records);
        this.#report.saves += 1;
        this.#report.saved = records.length;
        return true;
      } catch (error) {
        this.#report.errors += 1;
        this.#report.last_error = messageOf(error);
        this.#logger.warn(`session state: save failed: ${this.#report.last_error}; the run goes on`);
        return false;
      }
    })();
    this.#saving = saving;
    return saving.finally(() => {
      if (this.#saving === saving) this.#saving = undefined;
    });
  }
}

/**
 * The `session_state` of reports of runs side by side (threads, shards: each
 * saved only its own sessions): counts add up, the final save went through
 * only if every part's did; null when no part kept state.
 */
export function mergeSessionState(parts: readonly (SessionStateReport | null)[]): SessionStateReport | null {
  const kept = parts.filter((part): part is SessionStateReport => part !== null && typeof part === 'object');
  const first = kept[0];
  if (first === undefined) return null;
  return {
    ...first,
    reset: kept.some((part) => part.reset),
    restored: kept.reduce((sum, part) => sum + part.restored, 0),
    proxies_replaced: kept.reduce((sum, part) => sum + part.proxies_replaced, 0),
    saved: kept.reduce((sum, part) => sum + part.saved, 0),
    saves: kept.reduce((sum, part) => sum + part.saves, 0),
    errors: kept.reduce((sum, part) => sum + part.errors, 0),
    final_saved: kept.every((part) => part.final_saved),
    last_error: kept.map((part) => part.last_error).findLast((error) => error !== null) ?? null,
  };
}

/** The summary's `state` line: `state.json (file): restored 200, saved 200; no save failed`. */
export function describeSessionState(state: SessionStateReport): string {
  const where = state.kind === 'redis' ? `${state.location} (redis, name ${state.name ?? 'default'})` : `${state.location} (file)`;
  const restored = state.reset ? 'reset, restored none' : `restored ${state.restored}`;
  const replaced = state.proxies_replaced > 0 ? ` (${state.proxies_replaced} on a new proxy)` : '';
  const saved = state.final_saved ? `saved ${state.saved}` : `final save FAILED (${state.last_error ?? 'unknown error'})`;
  const errors = state.errors > 0 ? `; ${state.errors} save(s) failed` : '';
  return `${where}: ${restored}${replaced}, ${saved}${errors}`;
}
