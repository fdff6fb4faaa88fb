import type { SavedSession } from './saved-session.js';

/**
 * Where sessions' state is kept between runs. A store holds one record per
 * session id; `save` writes only the sessions it is given (with threads or
 * shards, each writes only its own sessions), `load` reads only the ids asked for.
 */
export interface StateStore {
  /** `file` or `redis`. */
  readonly kind: 'file' | 'redis';
  /** Where the state lives, credentials masked: for logs, errors and the report. */
  readonly location: string;
  /** The saved state of these session ids; ids with nothing saved are absent. */
  load(ids: readonly number[]): Promise<Map<number, SavedSession>>;
  /** Saves these sessions (replacing what was saved for their ids); all or nothing for a file. */
  save(sessions: readonly SavedSession[]): Promise<void>;
  /** Releases the store (closes the Redis connection); idempotent. */
  close(): Promise<void>;
}
