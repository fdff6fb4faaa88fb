export { captureSession, restoreSession, type StatefulSession } from './capture.js';
export {
  InvalidOptionsError,
  StateCorruptError,
  StateStoreError,
  StateUnreachableError,
  StateUnreadableError,
  StateVersionError,
  StateWriteError,
} from './errors.js';
export { FileStateStore, parseStateFile, STATE_FILE_FORMAT, type FileStateStoreOptions, type StateFileSystem } from './file-store.js';
export { openStateStore, type OpenStateStoreOptions } from './open-store.js';
export { proxyKey } from './proxy-key.js';
export {
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  isRedisLocation,
  REDIS_KEY_PREFIX,
  RedisStateStore,
  redisKey,
  type RedisStateStoreOptions,
} from './redis-store.js';
export { STATE_FORMAT_VERSION, type SavedSession, type SerializedCookies } from './saved-session.js';
export type { StateStore } from './store.js';
