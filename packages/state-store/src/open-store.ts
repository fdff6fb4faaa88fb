import { InvalidOptionsError } from './errors.js';
import { FileStateStore } from './file-store.js';
import { isRedisLocation, RedisStateStore, type RedisStateStoreOptions } from './redis-store.js';
import type { StateStore } from './store.js';

export interface OpenStateStoreOptions extends Omit<RedisStateStoreOptions, 'reset'> {
  /** Start fresh: what was saved is not restored, and is overwritten (a file) or deleted (Redis keys of this name). */
  reset?: boolean;
}

/**
 * Opens the store a `session_state` value names: a `redis://` / `rediss://`
 * URL, or else a file path. Bad saved state, an unreadable file or an
 * unreachable Redis throws here, before a run sends anything.
 */
export async function openStateStore(location: string, options: OpenStateStoreOptions = {}): Promise<StateStore> {
  if (typeof location !== 'string' || location === '') throw new InvalidOptionsError('session_state must be a file path or a redis:// URL');
  if (isRedisLocation(location)) return RedisStateStore.connect(location, options);
  if ((options.ttlMs ?? 0) > 0) {
    throw new InvalidOptionsError(`session_state_ttl applies to Redis only; ${JSON.stringify(location)} is a file: drop session_state_ttl or use a redis:// URL`);
  }
  return FileStateStore.open(location, options.reset === undefined ? {} : { reset: options.reset });
}
