import { ProxyOptionError, ProxyReloadEmptyError } from './errors.js';
import { ProxyHealth } from './proxy-health.js';
import { loadProxyFile, parseProxyList } from './proxy-list.js';
import type { ProxyEntry } from './proxy-entry.js';

export interface ProxyManagerOptions {
  /** Consecutive connection failures after which a proxy is skipped. Default 3. */
  maxFailures?: number;
  /** How long an unhealthy proxy is skipped, in ms. Default 30_000; 0 never skips. */
  cooldownMs?: number;
  /** Clock in ms (default `Date.now`); inject one in tests. */
  now?: () => number;
  /** Called when a proxy becomes unhealthy (once per trip), after the state has changed. */
  onUnhealthy?: (entry: ProxyEntry, info: { failures: number; until: number }) => void;
}

export interface ProxyStats {
  readonly display: string;
  readonly source: string;
  readonly line: number;
  /** Consecutive failures since the last success. */
  readonly failures: number;
  readonly healthy: boolean;
  /** Clock time until which the proxy is skipped; `null` while healthy. */
  readonly until: number | null;
}

interface Slot {
  readonly entry: ProxyEntry;
  readonly health: ProxyHealth;
}

const DEFAULT_MAX_FAILURES = 3;
const DEFAULT_COOLDOWN_MS = 30_000;

/**
 * Hands out proxies round-robin, skipping unhealthy ones. `next()` is
 * synchronous, so concurrent async callers each get a distinct rotation step
 * without a lock. An empty list means direct connections (`next()` returns
 * `undefined`).
 */
export class ProxyManager {
  #slots: readonly Slot[] = [];
  // Health is keyed by the full URL so it survives a reload and accepts entries from an older list.
  #byUrl = new Map<string, Slot>();
  #cursor = 0;
  #path: string | undefined;
  #reloadGeneration = 0;
  readonly #maxFailures: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #onUnhealthy: ProxyManagerOptions['onUnhealthy'];

  constructor(entries: readonly ProxyEntry[] = [], options: ProxyManagerOptions = {}) {
    const { maxFailures = DEFAULT_MAX_FAILURES, cooldownMs = DEFAULT_COOLDOWN_MS, now = Date.now } = options;
    if (!(Number.isInteger(maxFailures) && maxFailures >= 1) && maxFailures !== Infinity) {
      throw new ProxyOptionError('maxFailures', `must be an integer >= 1 (or Infinity to never skip), got ${String(maxFailures)}`);
    }
    if (!(Number.isFinite(cooldownMs) && cooldownMs >= 0)) {
      throw new ProxyOptionError('cooldownMs', `must be a finite number of ms >= 0, got ${String(cooldownMs)}`);
    }
    if (typeof now !== 'function') throw new ProxyOptionError('now', 'must be a function returning ms');
    this.#maxFailures = maxFailures;
    this.#cooldownMs = cooldownMs;
    this.#now = now;
    this.#onUnhealthy = options.onUnhealthy;
    this.#swap(entries);
  }

  /** Loads `path`; `reload()` re-reads it. Throws `ProxyFileError` or `ProxyListError`. */
  static async fromFile(path: string, options?: ProxyManagerOptions): Promise<ProxyManager> {
    const manager = new ProxyManager(await loadProxyFile(path), options);
    manager.#path = path;
    return manager;
  }

  /** Parses a list held in memory; `reload()` has nothing to re-read and keeps it. */
  static fromText(text: string, options?: ProxyManagerOptions & { source?: string }): ProxyManager {
    return new ProxyManager(parseProxyList(text, options?.source), options);
  }

  /** The next proxy in rotation, healthy ones first; `undefined` = connect directly. */
  next(): ProxyEntry | undefined {
    const slots = this.#slots;
    const n = slots.length;
    if (n === 0) return undefined;
    const now = this.#now();
    for (let tried = 0; tried < n; tried++) {
      const slot = slots[this.#cursor] as Slot;
      this.#cursor = (this.#cursor + 1) % n;
      if (slot.health.isHealthy(now)) return slot.entry;
    }
    // Every proxy is unhealthy: rotating through them beats silently going direct.
    const slot = slots[this.#cursor] as Slot;
    this.#cursor = (this.#cursor + 1) % n;
    return slot.entry;
  }

  /** Number of proxies in the list (healthy or not). */
  count(): number {
    return this.#slots.length;
  }

  /**
   * Re-reads the file the manager was created from and swaps the list in one
   * step; health of proxies still listed is kept. On any error (unreadable
   * file, bad line, a list that became empty) the current list stays and the
   * error is thrown. When reloads overlap, the last one started wins.
   */
  async reload(): Promise<void> {
    const path = this.#path;
    if (path === undefined) return;
    const generation = ++this.#reloadGeneration;
    const entries = await loadProxyFile(path);
    if (generation !== this.#reloadGeneration) return;
    if (entries.length === 0 && this.#slots.length > 0) throw new ProxyReloadEmptyError(path);
    this.#swap(entries);
  }

  /** Counts a connection failure through `entry`; unknown entries are ignored. */
  reportFailure(entry: ProxyEntry): void {
    const slot = this.#byUrl.get(entry.url);
    if (slot === undefined) return;
    const now = this.#now();
    if (slot.health.recordFailure(now, this.#maxFailures, this.#cooldownMs)) {
      this.#onUnhealthy?.(slot.entry, { failures: slot.health.failures, until: slot.health.until });
    }
  }

  /** A connection through `entry` worked: it is healthy again with no failures. */
  reportSuccess(entry: ProxyEntry): void {
    this.#byUrl.get(entry.url)?.health.recordSuccess();
  }

  /** The proxies `next()` currently hands out before falling back. */
  healthy(): ProxyEntry[] {
    const now = this.#now();
    return this.#slots.filter((slot) => slot.health.isHealthy(now)).map((slot) => slot.entry);
  }

  /** Per-proxy health, in list order. */
  stats(): ProxyStats[] {
    const now = this.#now();
    return this.#slots.map(({ entry, health }) => {
      const healthy = health.isHealthy(now);
      return {
        display: entry.display,
        source: entry.source,
        line: entry.line,
        failures: health.failures,
        healthy,
        until: healthy ? null : health.until,
      };
    });
  }

  #swap(entries: readonly ProxyEntry[]): void {
    const byUrl = new Map<string, Slot>();
    const slots = entries.map((entry) => {
      const known = byUrl.get(entry.url);
      // Duplicate lines share one health record: they are the same proxy.
      const slot: Slot = { entry, health: known?.health ?? this.#byUrl.get(entry.url)?.health ?? new ProxyHealth() };
      if (!known) byUrl.set(entry.url, slot);
      return slot;
    });
    this.#slots = slots;
    this.#byUrl = byUrl;
    this.#cursor = slots.length === 0 ? 0 : this.#cursor % slots.length;
  }
}
