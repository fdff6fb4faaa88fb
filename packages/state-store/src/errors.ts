/**
 * Errors of @session-engine/state-store. Users match on `code` (stable across
 * releases), never on the message text. Every message names where the state
 * lives and, for bad saved state, suggests `--session-state-reset`.
 */
export class StateStoreError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_STATE_STORE', options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateStoreError';
    this.code = code;
  }
}

/** A bad option to a store (a location that is neither a path nor a redis:// URL, a bad name, a TTL on a file). */
export class InvalidOptionsError extends StateStoreError {
  constructor(message: string) {
    super(message, 'SE_ERR_STATE_STORE_INVALID_OPTIONS');
    this.name = 'InvalidOptionsError';
  }
}

const RESET_HINT = 'start fresh and overwrite it with --session-state-reset (session_state_reset: true)';

/** The state file exists but cannot be read (permissions, a directory, an I/O error). */
export class StateUnreadableError extends StateStoreError {
  readonly location: string;

  constructor(location: string, detail: string, options?: ErrorOptions) {
    super(`cannot read session state ${location}: ${detail}; fix the path or its permissions, or ${RESET_HINT}`, 'SE_ERR_STATE_STORE_UNREADABLE', options);
    this.name = 'StateUnreadableError';
    this.location = location;
  }
}

/** Saved state that is not what a store writes: invalid JSON (with line:column) or a wrong shape. */
export class StateCorruptError extends StateStoreError {
  readonly location: string;

  constructor(location: string, detail: string, options?: ErrorOptions) {
    super(`session state ${location} is corrupt: ${detail}; ${RESET_HINT}`, 'SE_ERR_STATE_STORE_CORRUPT', options);
    this.name = 'StateCorruptError';
    this.location = location;
  }
}

/** Saved state of a format version this release does not read. */
export class StateVersionError extends StateStoreError {
  readonly location: string;
  readonly found: unknown;

  constructor(location: string, found: unknown, expected: number) {
    super(
      `session state ${location} has format version ${JSON.stringify(found)}, this engine reads version ${expected}; ${RESET_HINT}`,
      'SE_ERR_STATE_STORE_VERSION',
    );
    this.name = 'StateVersionError';
    this.location = location;
    this.found = found;
  }
}

/** Redis could not be reached (or answered an error) when the store opened: nothing was sent to the target yet. */
export class StateUnreachableError extends StateStoreError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, detail: string, options?: ErrorOptions) {
    super(
      `cannot reach Redis at ${host}:${port} for session_state: ${detail}; start Redis, fix the URL, or drop --session-state`,
      'SE_ERR_STATE_STORE_UNREACHABLE',
      options,
    );
    this.name = 'StateUnreachableError';
    this.host = host;
    this.port = port;
  }
}

/** A save failed (the file could not be written, Redis went away); the previous state is left as it was. */
export class StateWriteError extends StateStoreError {
  readonly location: string;

  constructor(location: string, detail: string, options?: ErrorOptions) {
    super(`cannot save session state to ${location}: ${detail}`, 'SE_ERR_STATE_STORE_WRITE', options);
    this.name = 'StateWriteError';
    this.location = location;
  }
}
