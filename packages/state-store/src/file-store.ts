/**
 * The file store: one JSON document with a format version,
 *
 *   { "format": "session-engine/session-state", "version": 1, "saved_at": "...",
 *     "sessions": { "1": { "id": 1, "cookies": {...}, "variables": {...}, "proxy": null, "once": [...] } } }
 *
 * read once when it opens and written atomically on every save: a temporary
 * file in the same directory, fsync, rename over the old one. A save that
 * fails half-way leaves the previous file as it was. Sessions of the file
 * that the run does not save (a run with fewer sessions) are kept.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseJsonWithPositions } from '@session-engine/config';
import { StateCorruptError, StateUnreadableError, StateWriteError } from './errors.js';
import { checkVersion, parseSavedSession, STATE_FORMAT_VERSION, type SavedSession } from './saved-session.js';
import type { StateStore } from './store.js';

/** The `format` field of a state file. */
export const STATE_FILE_FORMAT = 'session-engine/session-state';

/** The file-system calls a save makes; replaceable in tests to make a write fail half-way. */
export interface StateFileSystem {
  open: typeof fsp.open;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
}

export interface FileStateStoreOptions {
  /** Ignore what the file holds (do not even read it) and overwrite it at the first save. */
  reset?: boolean;
  /** @internal For tests: the calls a save makes. */
  fs?: StateFileSystem;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errnoOf(error: unknown): string | undefined {
  return isRecord(error) && typeof error['code'] === 'string' ? error['code'] : undefined;
}

/** Parses a state file's text; `location` names it in errors. */
export function parseStateFile(text: string, location: string): Map<number, SavedSession> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    // JSON.parse does not say where, portably: the positional parser finds the line and column.
    let where = '';
    try {
      parseJsonWithPositions(text, location);
    } catch (located) {
      const position = located as { line?: number; column?: number; expected?: string };
      if (typeof position.line === 'number') where = ` at ${location}:${position.line}:${position.column}: expected ${position.expected}`;
    }
    throw new StateCorruptError(location, `invalid JSON${where || `: ${(cause as Error).message}`}`, { cause });
  }
  if (!isRecord(document)) throw new StateCorruptError(location, 'the document must be a JSON object with "format", "version" and "sessions"');
  if (document['format'] !== STATE_FILE_FORMAT) {
    throw new StateCorruptError(location, `"format" must be ${JSON.stringify(STATE_FILE_FORMAT)}, got ${JSON.stringify(document['format'] ?? null)}: this is not a session state file`);
  }
  checkVersion(document['version'], location);
  const sessions = document['sessions'];
  if (!isRecord(sessions)) throw new StateCorruptError(location, '"sessions" must be an object of session id -> saved session');
  const byId = new Map<number, SavedSession>();
  for (const [key, value] of Object.entries(sessions)) {
    const saved = parseSavedSession(value, location, `sessions[${JSON.stringify(key)}]`);
    if (String(saved.id) !== key) throw new StateCorruptError(location, `sessions[${JSON.stringify(key)}].id is ${saved.id}, not ${key}`);
    byId.set(saved.id, saved);
  }
  return byId;
}

export class FileStateStore implements StateStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly #path: string;
  readonly #fs: StateFileSystem;
  readonly #sessions: Map<number, SavedSession>;
  // Saves run one after another (the interval's and the final one may overlap).
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, sessions: Map<number, SavedSession>, fs: StateFileSystem) {
    this.#path = path;
    this.location = path;
    this.#sessions = sessions;
    this.#fs = fs;
  }

  /**
   * Opens a state file: reads and checks it now, so bad state stops a run
   * before any request. A missing file is an empty state (created at the first save).
   * @throws StateUnreadableError, StateCorruptError, StateVersionError
   */
  static async open(path: string, options: FileStateStoreOptions = {}): Promise<FileStateStore> {
    const fs = options.fs ?? { open: fsp.open, rename: fsp.rename, unlink: fsp.unlink };
    if (options.reset === true) return new FileStateStore(path, new Map(), fs);
    let text: string;
    try {
      text = await fsp.readFile(path, 'utf8');
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT') return new FileStateStore(path, new Map(), fs);
      const detail = code === 'EISDIR' ? 'it is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
      throw new StateUnreadableError(path, detail, { cause: error });
    }
    return new FileStateStore(path, parseStateFile(text, path), fs);
  }

  async load(ids: readonly number[]): Promise<Map<number, SavedSession>> {
    const found = new Map<number, SavedSession>();
    for (const id of ids) {
      const saved = this.#sessions.get(id);
      if (saved !== undefined) found.set(id, saved);
    }
    return found;
  }

  save(sessions: readonly SavedSession[]): Promise<void> {
    const next = this.#writing.then(() => this.#write(sessions));
    this.#writing = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#writing;
  }

  async #write(sessions: readonly SavedSession[]): Promise<void> {
    const merged = new Map(this.#sessions);
    for (const saved of sessions) merged.set(saved.id, saved);
    const ordered: Record<string, SavedSession> = {};
    for (const id of [...merged.keys()].sort((a, b) => a - b)) ordered[String(id)] = merged.get(id)!;
    const text = `${JSON.stringify({ format: STATE_FILE_FORMAT, version: STATE_FORMAT_VERSION, saved_at: new Date().toISOString(), sessions: ordered }, null, 1)}\n`;

    const target = resolve(this.#path);
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let created = false;
    try {
      // Cookies and captures are credentials: owner-only, like an ssh key.
      const handle = await this.#fs.open(temp, 'wx', 0o600);
      created = true;
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.#fs.rename(temp, target);
      created = false;
    } catch (error) {
      if (created) await this.#fs.unlink(temp).catch(() => undefined);
      const code = errnoOf(error);
      throw new StateWriteError(this.location, code === 'ENOENT' ? `the directory ${dirname(target)} does not exist` : (error as Error).message, { cause: error });
    }
    // The rename is durable once the directory entry is (best effort: not every platform can fsync a directory).
    await fsp
      .open(dirname(target), 'r')
      .then(async (dir) => {
        await dir.sync().catch(() => undefined);
        await dir.close();
      })
      .catch(() => undefined);
    for (const saved of sessions) this.#sessions.set(saved.id, saved);
  }
}
