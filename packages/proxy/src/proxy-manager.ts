import { ProxyOptionError, ProxyReloadEmptyError } from './errors.js';
import { ProxyCircuit, type CircuitPolicy, type CircuitState } from './proxy-circuit.js';
import { loadProxyFile, parseProxyList } from './proxy-list.js';
import type { ProxyEntry } from './proxy-entry.js';

export interface ProxyManagerOptions {
  /** Consecutive connection failures that open a proxy's circuit. Default 3 (Infinity: never). */
  maxFailures?: number;
  /** How long an open proxy is skipped before one probe request may try it, in ms. Default 30_000; 0 never opens. */
  cooldownMs?: number;
  /** Cap of the cool-down, which doubles each time a probe fails. Default 300_000. */
  maxCooldownMs?: number;
  /** Clock in ms (default `Date.now`); inject one in tests. */
  now?: () => number;
  /** Called when a proxy's circuit opens (a trip, or a failed probe), after the state has changed. */
  onUnhealthy?: (entry: ProxyEntry, info: { failures: number; until: number }) => void;
}

/**
 * What happened to a proxy: its circuit `open`ed (sessions on it should
 * move), `closed` again (a probe succeeded), or a reload `removed` it from
 * the list (sessions on it should move).
 */
export type ProxyEvent =
  | { readonly type: 'open'; readonly entry: ProxyEntry; readonly failures: number; readonly until: number }
  | { readonly type: 'closed'; readonly entry: ProxyEntry }
  | { readonly type: 'removed'; readonly entry: ProxyEntry };

/** What a reload changed: lines in the new list, proxies new to it, proxies no longer in it. */
export interface ProxyReloadResult {
  readonly count: number;
  readonly added: number;
  readonly removed: number;
}

export interface ProxyStats {
  readonly display: string;
  readonly source: string;
  readonly line: number;
  readonly weight: number;
  readonly state: CircuitState;
  /** Consecutive failures since the last success. */
  readonly failures: number;
  /** `next()` may hand it out now: closed, or half-open with no probe outstanding. */
  readonly healthy: boolean;
  /** Clock time the open period ends; `null` while closed. */
  readonly until: number | null;
}

/** One proxy over the manager's life (a run): what the report shows. Credentials are never in it. */
export interface ProxyReport {
  /** Credentials masked: `http://***:***@10.0.0.2:8080`. */
  readonly proxy: string;
  readonly source: string;
  readonly line: number;
  readonly weight: number;
  /** Requests through it that got a response or failed to connect. */
  readonly requests: number;
  /** Connection failures through it (the failure kinds that count against a proxy). */
  readonly failed: number;
  /** Sessions moved away from it (its circuit opened, or a reload removed it). */
  readonly failovers: number;
  /** `removed` when a reload dropped it from the list. */
  readonly circuit: CircuitState | 'removed';
  /** Time its circuit was open or half-open, ms. */
  readonly unhealthy_ms: number;
}

interface ProxyRecord {
  /** The first line that listed it (duplicates share the record). */
  entry: ProxyEntry;
  readonly circuit: ProxyCircuit;
  listed: boolean;
}

interface Slot {
  readonly entry: ProxyEntry;
  readonly record: ProxyRecord;
  readonly weight: number;
  /** Smooth weighted round robin's running weight. */
  current: number;
}

const DEFAULT_MAX_FAILURES = 3;
const DEFAULT_COOLDOWN_MS = 30_000;
const DEFAULT_MAX_COOLDOWN_MS = 300_000;

/**
 * Hands out proxies by smooth weighted round robin (nginx's algorithm: with
 * weights 5, 1, 1 the order is a a b a c a a, never five in a row), skipping
 * proxies whose circuit is open. Equal weights give plain round robin in list
 * order. `next()` is synchronous, so concurrent async callers each get a
 * distinct rotation step without a lock. An empty list means direct
 * connections (`next()` returns `undefined`).
 */
export class ProxyManager {
  #slots: Slot[] = [];
  // Records are keyed by the full URL, so health survives a reload and accepts entries from an older list.
  readonly #records = new Map<string, ProxyRecord>();
  #path: string | undefined;
  #reloadGeneration = 0;
  readonly #policy: CircuitPolicy;
  readonly #now: () => number;
  readonly #onUnhealthy: ProxyManagerOptions['onUnhealthy'];
  readonly #listeners = new Set<(event: ProxyEvent) => void>();

  constructor(entries: readonly ProxyEntry[] = [], options: ProxyManagerOptions = {}) {
    const {
      maxFailures = DEFAULT_MAX_FAILURES,
      cooldownMs = DEFAULT_COOLDOWN_MS,
      maxCooldownMs = Math.max(DEFAULT_MAX_COOLDOWN_MS, cooldownMs),
      now = Date.now,
    } = options;
    if (!(Number.isInteger(maxFailures) && maxFailures >= 1) && maxFailures !== Infinity) {
      throw new ProxyOptionError('maxFailures', `must be an integer >= 1 (or Infinity to never skip), got ${String(maxFailures)}`);
    }
    if (!(Number.isFinite(cooldownMs) && cooldownMs >= 0)) {
      throw new ProxyOptionError('cooldownMs', `must be a finite number of ms >= 0, got ${String(cooldownMs)}`);
    }
    if (!(Number.isFinite(maxCooldownMs) && maxCooldownMs >= cooldownMs)) {
      throw new ProxyOptionError('maxCooldownMs', `must be a finite number of ms >= cooldownMs (${cooldownMs}), got ${String(maxCooldownMs)}`);
    }
    if (typeof now !== 'function') throw new ProxyOptionError('now', 'must be a function returning ms');
    this.#policy = { maxFailures, cooldownMs, maxCooldownMs };
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

  /**
   * The next proxy of the weighted rotation whose circuit lets it be used;
   * when every circuit is open, the next of the whole list anyway (never
   * silently direct). `undefined` = no list: connect directly.
   */
  next(): ProxyEntry | undefined {
    return this.nextHealthy() ?? this.#pick(this.#now(), false)?.entry;
  }

  /**
   * The next proxy of the weighted rotation that may be used now (closed, or
   * half-open: then the caller's next request is its probe), or `undefined`
   * when there is none: the failover choice, which must not fall back to a
   * dead proxy. With `except`, that proxy is skipped too: a session leaving a
   * proxy it could not reach asks for another one (`undefined` if none).
   */
  nextHealthy(except?: ProxyEntry): ProxyEntry | undefined {
    const now = this.#now();
    const slot = this.#pick(now, true, except?.url);
    slot?.record.circuit.handedOut(now);
    return slot?.entry;
  }

  /** Number of lines in the list (healthy or not). */
  count(): number {
    return this.#slots.length;
  }

  /**
   * Re-reads the file the manager was created from and swaps the list in one
   * step; proxies still listed keep their circuit and rotation weight. Then
   * tells subscribers of each proxy the list no longer has (`removed`). On any
   * error (unreadable file, bad line, a list that became empty) the current
   * list stays and the error is thrown. When reloads overlap, the last one
   * started wins.
   */
  async reload(): Promise<ProxyReloadResult> {
    const path = this.#path;
    const unchanged = (): ProxyReloadResult => ({ count: this.#slots.length, added: 0, removed: 0 });
    if (path === undefined) return unchanged();
    const generation = ++this.#reloadGeneration;
    const entries = await loadProxyFile(path);
    if (generation !== this.#reloadGeneration) return unchanged();
    if (entries.length === 0 && this.#slots.length > 0) throw new ProxyReloadEmptyError(path);
    const before = new Set(this.#slots.map((slot) => slot.entry.url));
    const removed = this.#swap(entries);
    const added = new Set(entries.map((entry) => entry.url).filter((url) => !before.has(url))).size;
    for (const entry of removed) this.#emit({ type: 'removed', entry });
    return { count: entries.length, added, removed: removed.length };
  }

  /** Counts a connection failure through `entry`; enough in a row open its circuit. Unknown entries are ignored. */
  reportFailure(entry: ProxyEntry): void {
    const record = this.#records.get(entry.url);
    if (record === undefined) return;
    const { circuit } = record;
    if (!circuit.recordFailure(this.#now(), this.#policy)) return;
    this.#onUnhealthy?.(record.entry, { failures: circuit.failures, until: circuit.until });
    this.#emit({ type: 'open', entry: record.entry, failures: circuit.failures, until: circuit.until });
  }

  /** A request through `entry` got a response: the failure count restarts, a probe closes the circuit. */
  reportSuccess(entry: ProxyEntry): void {
    const record = this.#records.get(entry.url);
    if (record?.circuit.recordSuccess(this.#now()) === true) this.#emit({ type: 'closed', entry: record.entry });
  }

  /**
   * The result of an active health check through `entry` (a background
   * request to a check URL): `ok` closes its circuit at once (event `closed`);
   * a failure re-opens a half-open circuit with back-off (event `open`).
   * Closed circuits and unknown entries are left alone.
   */
  reportCheck(entry: ProxyEntry, ok: boolean): void {
    const record = this.#records.get(entry.url);
    if (record === undefined) return;
    const { circuit } = record;
    const change = circuit.recordCheck(this.#now(), ok, this.#policy);
    if (change === 'closed') this.#emit({ type: 'closed', entry: record.entry });
    else if (change === 'opened') {
      this.#onUnhealthy?.(record.entry, { failures: circuit.failures, until: circuit.until });
      this.#emit({ type: 'open', entry: record.entry, failures: circuit.failures, until: circuit.until });
    }
  }

  /** The listed proxies whose circuit is open or half-open, once each: what an active health check probes. */
  unhealthy(): ProxyEntry[] {
    const now = this.#now();
    return [...this.#records.values()].filter((record) => record.listed && record.circuit.state(now) !== 'closed').map((record) => record.entry);
  }

  /** A session moved away from `entry` (counted in `report()`). */
  reportFailover(entry: ProxyEntry): void {
    const record = this.#records.get(entry.url);
    if (record !== undefined) record.circuit.failovers++;
  }

  /** Whether a session holding `entry` may keep using it: listed, and its circuit not open. */
  isUsable(entry: ProxyEntry): boolean {
    const record = this.#records.get(entry.url);
    return record !== undefined && record.listed && record.circuit.state(this.#now()) !== 'open';
  }

  /**
   * Calls `listener` synchronously on each proxy event, from inside the
   * `reportFailure`/`reportSuccess`/`reload` call that caused it; what it
   * throws reaches that caller. Returns the unsubscribe function.
   */
  subscribe(listener: (event: ProxyEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The proxies `nextHealthy()` may hand out now, in list order. */
  healthy(): ProxyEntry[] {
    const now = this.#now();
    return this.#slots.filter((slot) => slot.record.circuit.available(now, this.#policy)).map((slot) => slot.entry);
  }

  /** Per line of the current list, in list order. */
  stats(): ProxyStats[] {
    const now = this.#now();
    return this.#slots.map(({ entry, record: { circuit } }) => {
      const state = circuit.state(now);
      return {
        display: entry.display,
        source: entry.source,
        line: entry.line,
        weight: entry.weight,
        state,
        failures: circuit.failures,
        healthy: circuit.available(now, this.#policy),
        until: state === 'closed' ? null : circuit.until,
      };
    });
  }

  /** One row per proxy listed at any time (duplicates once, removed ones included), in the order first listed. */
  report(): ProxyReport[] {
    const now = this.#now();
    return [...this.#records.values()].map(({ entry, circuit, listed }) => ({
      proxy: entry.display,
      source: entry.source,
      line: entry.line,
      weight: entry.weight,
      requests: circuit.requests,
      failed: circuit.failed,
      failovers: circuit.failovers,
      circuit: listed ? circuit.state(now) : 'removed',
      unhealthy_ms: circuit.unhealthyMs(now),
    }));
  }

  /** Smooth weighted round robin over the slots (the usable ones only, with `usableOnly`; never the one at `except`). */
  #pick(now: number, usableOnly: boolean, except?: string): Slot | undefined {
    let total = 0;
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (usableOnly && !slot.record.circuit.available(now, this.#policy)) continue;
      if (slot.entry.url === except) continue;
      slot.current += slot.weight;
      total += slot.weight;
      if (best === undefined || slot.current > best.current) best = slot;
    }
    if (best !== undefined) best.current -= total;
    return best;
  }

  #emit(event: ProxyEvent): void {
    let failure: unknown;
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Installs a new list; returns the proxies (first entries) that are no longer listed. */
  #swap(entries: readonly ProxyEntry[]): ProxyEntry[] {
    const previous = new Map(this.#slots.map((slot) => [slot, slot.current]));
    const currentOf = new Map<string, number>();
    for (const [slot, current] of previous) if (!currentOf.has(slot.entry.url)) currentOf.set(slot.entry.url, current);
    const listed = new Set<string>();
    const slots = entries.map((entry): Slot => {
      let record = this.#records.get(entry.url);
      if (record === undefined) {
        record = { entry, circuit: new ProxyCircuit(), listed: true };
        this.#records.set(entry.url, record);
      } else if (!listed.has(entry.url)) {
        // The newest line describes it (its weight, its line number).
        record.entry = entry;
        record.listed = true;
      }
      const current = listed.has(entry.url) ? 0 : (currentOf.get(entry.url) ?? 0);
      listed.add(entry.url);
      // Duplicate lines share one record (one proxy, one circuit) and each take a rotation slot.
      return { entry, record, weight: entry.weight, current };
    });
    const removed: ProxyEntry[] = [];
    for (const [url, record] of this.#records) {
      if (!listed.has(url) && record.listed) {
        record.listed = false;
        removed.push(record.entry);
      }
    }
    this.#slots = slots;
    return removed;
  }
}
