/**
 * The Redis store: one key per session, `session-engine:<name>:<id>`, holding
 * the saved session as a JSON string with a format version
 * (`{"version": 1, "id": 3, "cookies": {...}, ...}`), with an optional TTL.
 * A run writes and reads only its own sessions' keys, so runs (or threads,
 * or shards) with different session ids share one name safely.
 *
 * Opening connects at once, bounded by `connectTimeoutMs`: an unreachable
 * Redis stops a run before any request. Once connected, a lost connection is
 * retried in the background (every 0.25-2 s) and commands fail fast meanwhile
 * (no offline queue), so a save during the outage fails, is reported, and the
 * run goes on.
 */
import { Redis } from 'ioredis';
import { redactUrl } from '@session-engine/redact';
import { InvalidOptionsError, StateCorruptError, StateUnreachableError, StateUnreadableError, StateWriteError } from './errors.js';
import { checkVersion, parseSavedSession, STATE_FORMAT_VERSION, type SavedSession } from './saved-session.js';
import type { StateStore } from './store.js';

/** The prefix of every key: `session-engine:<name>:<id>`. */
export const REDIS_KEY_PREFIX = 'session-engine';
/** How long opening waits for Redis to answer, by default. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** A state name: what Redis keys and glob patterns can hold without escaping. */
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const MGET_CHUNK = 500;

export interface RedisStateStoreOptions {
  /** The run name in the keys (`session-engine:<name>:<id>`); letters, digits, `.`, `_`, `-`. Default `default`. */
  name?: string;
  /** Keys expire this long after their last save (ms); 0 or absent = never. */
  ttlMs?: number;
  /** Opening gives up after this long (ms); default 5000. */
  connectTimeoutMs?: number;
  /** Delete every key of this name when opening (start fresh) instead of restoring. */
  reset?: boolean;
  /** Told when the connection fails after it was open (Redis went away); the store keeps reconnecting. */
  onConnectionError?: (error: Error) => void;
}

/** Whether a `session_state` value names Redis rather than a file. */
export function isRedisLocation(location: string): boolean {
  return /^rediss?:\/\//i.test(location);
}

export function redisKey(name: string, id: number): string {
  return `${REDIS_KEY_PREFIX}:${name}:${id}`;
}

export class RedisStateStore implements StateStore {
  readonly kind = 'redis' as const;
  readonly location: string;
  readonly name: string;
  readonly #redis: Redis;
  readonly #ttlMs: number;
  readonly #closing: { value: boolean };

  private constructor(redis: Redis, location: string, name: string, ttlMs: number, closing: { value: boolean }) {
    this.#redis = redis;
    this.#closing = closing;
    this.location = location;
    this.name = name;
    this.#ttlMs = ttlMs;
  }

  /**
   * Connects to `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS).
   * @throws InvalidOptionsError for a bad URL, name or TTL; StateUnreachableError when Redis does not answer in time
   */
  static async connect(url: string, options: RedisStateStoreOptions = {}): Promise<RedisStateStore> {
    const location = redactUrl(url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidOptionsError(`session_state ${JSON.stringify(location)} is not a Redis URL; write one like "redis://127.0.0.1:6379"`);
    }
    if (!isRedisLocation(url)) throw new InvalidOptionsError(`session_state ${JSON.stringify(location)} must start with redis:// or rediss://`);
    const name = options.name ?? 'default';
    if (!NAME.test(name)) {
      throw new InvalidOptionsError(`session_state_name must be 1-100 letters, digits, ".", "_" or "-", e.g. "checkout-test"; got ${JSON.stringify(name)}`);
    }
    const ttlMs = options.ttlMs ?? 0;
    if (!Number.isInteger(ttlMs) || ttlMs < 0) throw new InvalidOptionsError(`ttlMs must be a whole number of ms ≥ 0, got ${String(ttlMs)}`);
    const connectTimeout = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
    const host = parsed.hostname || '127.0.0.1';
    const port = parsed.port === '' ? 6379 : Number(parsed.port);

    let opened = false;
    const closing = { value: false };
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout,
      // Fail fast while disconnected: a save then fails and is reported; nothing piles up.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: Math.max(connectTimeout, 5_000),
      // No retry while opening (the run must stop with the cause); after that, reconnect in the background.
      retryStrategy: (times) => (opened ? Math.min(times * 250, 2_000) : null),
    });
    let lastError: Error | undefined;
    let down = false;
    redis.on('error', (error: Error) => {
      lastError = error;
    });
    // Told once per outage (not per reconnect attempt), with the last error seen.
    redis.on('close', () => {
      if (!opened || down || redis.status === 'end' || closing.value) return;
      down = true;
      options.onConnectionError?.(new Error(`lost the connection to Redis at ${host}:${port}${lastError ? ` (${lastError.message})` : ''}; reconnecting`));
    });
    redis.on('ready', () => {
      down = false;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.connect(),
        // ioredis's connectTimeout covers the TCP connect; this also bounds a server that accepts and never answers.
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeout} ms`)), connectTimeout + 500);
        }),
      ]);
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      // disconnect() waits for a socket that connected but never became ready: cut it now.
      (redis as unknown as { stream?: { destroy(): void } }).stream?.destroy();
      const cause = lastError ?? (error as Error);
      const detail = /ETIMEDOUT/.test(cause.message) ? `no connection within ${connectTimeout} ms (${cause.message})` : cause.message;
      throw new StateUnreachableError(host, port, detail, { cause });
    } finally {
      clearTimeout(timer);
    }
    opened = true;
    const store = new RedisStateStore(redis, location, name, ttlMs, closing);
    if (options.reset === true) {
      try {
        await store.#deleteAll();
      } catch (error) {
        await store.close();
        throw new StateWriteError(location, `could not delete the keys ${REDIS_KEY_PREFIX}:${name}:* to start fresh: ${(error as Error).message}`, { cause: error });
      }
    }
    return store;
  }

  async load(ids: readonly number[]): Promise<Map<number, SavedSession>> {
    const found = new Map<number, SavedSession>();
    for (let start = 0; start < ids.length; start += MGET_CHUNK) {
      const chunk = ids.slice(start, start + MGET_CHUNK);
      const keys = chunk.map((id) => redisKey(this.name, id));
      let values: (string | null)[];
      try {
        values = await this.#redis.mget(keys);
      } catch (error) {
        throw new StateUnreadableError(this.location, `reading ${keys[0]}..: ${(error as Error).message}`, { cause: error });
      }
      values.forEach((value, i) => {
        if (value === null) return;
        const key = keys[i]!;
        const where = `${this.location} key ${key}`;
        let record: unknown;
        try {
          record = JSON.parse(value);
        } catch (cause) {
          throw new StateCorruptError(where, `invalid JSON: ${(cause as Error).message}`, { cause });
        }
        checkVersion((record as { version?: unknown } | null)?.version, where);
        const saved = parseSavedSession(record, where, '');
        if (saved.id !== chunk[i]) throw new StateCorruptError(where, `it holds session ${saved.id}, not ${chunk[i]}`);
        found.set(saved.id, saved);
      });
    }
    return found;
  }

  async save(sessions: readonly SavedSession[]): Promise<void> {
    if (sessions.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const saved of sessions) {
      const value = JSON.stringify({ version: STATE_FORMAT_VERSION, ...saved });
      if (this.#ttlMs > 0) pipeline.set(redisKey(this.name, saved.id), value, 'PX', this.#ttlMs);
      else pipeline.set(redisKey(this.name, saved.id), value);
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new StateWriteError(this.location, (error as Error).message, { cause: error });
    }
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) {
      const detail = failed?.message ?? 'the connection closed before Redis answered';
      throw new StateWriteError(this.location, detail, { cause: failed ?? undefined });
    }
  }

  async close(): Promise<void> {
    if (this.#closing.value) return;
    this.#closing.value = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Deletes every key of this name (`session-engine:<name>:*`). */
  async #deleteAll(): Promise<void> {
    const match = `${REDIS_KEY_PREFIX}:${this.name}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}
