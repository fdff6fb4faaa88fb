import { Deadlines } from './deadlines.js';
import { createHttpClient } from '@session-engine/client-factory';
import type { ProxyEntry } from '@session-engine/proxy';
import type {
  CreateClient,
  ProxySource,
  SessionClient,
  SessionConfig,
  SessionLogger,
  SessionProxy,
  SessionProxyEvent,
} from './contracts.js';
import { InvalidOptionError, SessionCreationError } from './errors.js';
import { redirectLimit } from './redirects.js';
import { jarOf, Session } from './session.js';

export interface SessionManagerOptions<P extends SessionProxy = ProxyEntry> {
  config: SessionConfig;
  /**
   * Round-robin proxy source (`ProxyManager`); one `next()` per session at creation. With
   * `nextHealthy` and `subscribe`, sessions move off a proxy whose circuit opens or that a
   * reload removes (failover), keeping their cookies, and off a proxy a request could not
   * reach, before its retry; sticky otherwise.
   */
  proxies?: ProxySource<P>;
  logger?: SessionLogger;
  /** Builds each session's client; defaults to `createHttpClient` from `@session-engine/client-factory`. */
  createClient?: CreateClient<P>;
  /** Per-session header overrides, layered over `config.headers`. */
  sessionHeaders?: (id: number) => Readonly<Record<string, string>> | undefined;
  /**
   * The proxy session `id` starts with instead of the rotation's next one (a
   * session restored from saved state keeps its exit IP); `undefined` = the rotation's.
   */
  proxyFor?: (id: number) => P | undefined;
  /**
   * The first session's id (default 1). Parts of a run split side by side (worker threads,
   * shards) give each manager its own range, so ids stay unique across the whole run.
   */
  firstId?: number;
  /**
   * The ids `add()` gives sessions created at runtime: `first`, `first + step`, ... (default:
   * continuing after the last id, step 1). Parts of a run side by side take the same `step`
   * (their count) and each its own `first` above every id at start, so sessions added while
   * the run goes on stay unique across the parts.
   */
  addedIds?: { first: number; step: number };
  /** Sessions created at once by `createSessions`/`add` (default 64). */
  creationConcurrency?: number;
  /** Clock for session times (ms); defaults to `Date.now`. */
  now?: () => number;
}

/**
 * How `add()` sets up the sessions it creates at runtime (the runner gives them their saved
 * state back). In order: `prepare` with the new ids, `proxyFor` per id, `setUp` per session.
 */
export interface AddSessionsOptions<P extends SessionProxy = ProxyEntry> {
  /** Called once with the new ids, before any session is created (e.g. to read their saved state); a rejection rejects `add()`. */
  prepare?: (ids: readonly number[]) => Promise<void>;
  /** The proxy a new session starts with, like the manager's `proxyFor`, which it replaces for this call. */
  proxyFor?: (id: number) => P | undefined;
  /**
   * Runs on each new session before it is registered and activated, so nothing that follows
   * `ids()` (a scheduler) can give it work before this settled. A rejection fails that
   * session's creation (closed, a `SessionCreationError` in `errors`).
   */
  setUp?: (session: Session<P>) => Promise<void>;
}

export interface CreateSessionsResult {
  /** How many sessions were created and registered. */
  created: number;
  /** Ids of the created sessions, ascending. */
  ids: number[];
  /** One error per session that could not be created, with its id and cause. */
  errors: SessionCreationError[];
}

/** What `preconnectAll` did, one count per session it was given. */
export interface PreconnectResult {
  /** Sessions whose first connection is open and waiting for their first request. */
  connected: number;
  /** Sessions whose pre-connect failed: they connect on their first request, as without it. */
  failed: number;
  /** Sessions with nothing to pre-connect (no target, closed, parked) or not tried (stopped, or the target looked down). */
  skipped: number;
}

const defaultCreationConcurrency = 64;
/** Pre-connects at once: enough to keep a machine's connect rate up, few enough not to overflow a SYN backlog. */
const defaultPreconnectConcurrency = 256;

/**
 * Owns every session: creates them in parallel (bounded), hands out proxies
 * round-robin, starts/pauses them, scales up and down at runtime and closes
 * them. Ids are integers from 1 (or `firstId`), never reused.
 */
export class SessionManager<P extends SessionProxy = ProxyEntry> {
  readonly #config: SessionConfig;
  readonly #proxies: ProxySource<P> | undefined;
  readonly #logger: SessionLogger | undefined;
  readonly #createClient: CreateClient<P>;
  readonly #sessionHeaders: ((id: number) => Readonly<Record<string, string>> | undefined) | undefined;
  readonly #proxyFor: ((id: number) => P | undefined) | undefined;
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #baseUrl: URL | undefined;
  readonly #maxRedirects: number;
  readonly #sessions = new Map<number, Session<P>>();
  // Unregistered sessions whose close has not finished yet.
  readonly #closing = new Set<Session<P>>();
  #nextId = 1;
  /** `addedIds`: the next id `add()` gives, and the step. */
  #added: { next: number; step: number } | undefined;
  // Bumped by stopAll: a creation that started before it must not register.
  #generation = 0;
  // True between startAll and pauseAll/stopAll: sessions added meanwhile start active.
  #running = false;
  #unsubscribe: (() => void) | undefined;
  // Sessions that found no healthy proxy since the last one recovered: logged once per outage.
  #parkedLogged = false;

  /** One deadline sweeper for every session's requests: one timer instead of one per request. */
  readonly #deadlines: Deadlines;

  constructor(options: SessionManagerOptions<P>) {
    const concurrency = options.creationConcurrency ?? defaultCreationConcurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionError(`creationConcurrency must be a positive integer, got ${concurrency}`);
    }
    const firstId = options.firstId ?? 1;
    if (!Number.isSafeInteger(firstId) || firstId < 1) {
      throw new InvalidOptionError(`firstId must be a whole number >= 1, got ${String(firstId)}`);
    }
    this.#nextId = firstId;
    const added = options.addedIds;
    if (added !== undefined) {
      const ok = [added.first, added.step].every((n) => Number.isSafeInteger(n) && n >= 1);
      if (!ok) throw new InvalidOptionError(`addedIds must be { first, step }: whole numbers >= 1, got ${JSON.stringify(added)}`);
      this.#added = { next: added.first, step: added.step };
    }
    this.#config = options.config;
    this.#deadlines = new Deadlines(options.config.request_timeout);
    this.#proxies = options.proxies;
    this.#logger = options.logger;
    this.#createClient = options.createClient ?? createHttpClient;
    this.#sessionHeaders = options.sessionHeaders;
    this.#proxyFor = options.proxyFor;
    this.#concurrency = concurrency;
    this.#now = options.now ?? Date.now;
    this.#maxRedirects = redirectLimit(options.config.max_redirects, 'max_redirects');
    const target = options.config.target_url;
    try {
      this.#baseUrl = target === '' ? undefined : new URL(target);
    } catch (cause) {
      throw new InvalidOptionError(`target_url is not an absolute URL: ${JSON.stringify(target)}`, { cause });
    }
  }

  /**
   * Creates `n` sessions, at most `creationConcurrency` at a time. Proxies
   * are taken in id order, so session i gets the i-th proxy of the rotation.
   * Never rejects for a single session's failure: every failure is in `errors`.
   */
  createSessions(n: number): Promise<CreateSessionsResult> {
    return this.#create(n, () => this.#nextId++);
  }

  async #create(n: number, nextId: () => number, options: AddSessionsOptions<P> = {}): Promise<CreateSessionsResult> {
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidOptionError(`session count must be a non-negative integer, got ${n}`);
    }
    const generation = this.#generation;
    this.#subscribe();
    // Ids are reserved before any await, so calls that overlap never share one.
    const newIds = Array.from({ length: n }, nextId);
    if (options.prepare !== undefined && n > 0) await options.prepare(newIds);
    const proxyFor = options.proxyFor ?? this.#proxyFor;
    const planned = newIds.map((id) => ({ id, proxy: proxyFor?.(id) ?? this.#assign() }));
    const setUp = options.setUp;

    const ids: number[] = [];
    const errors: SessionCreationError[] = [];
    let cursor = 0;
    const worker = async (): Promise<void> => {
      while (cursor < planned.length) {
        const plan = planned[cursor++] as { id: number; proxy: P | undefined };
        const result = await this.#createOne(plan.id, plan.proxy, generation, setUp);
        if (result instanceof Session) ids.push(result.id);
        else errors.push(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, n) }, worker));

    ids.sort((a, b) => a - b);
    errors.sort((a, b) => a.sessionId - b.sessionId);
    return { created: ids.length, ids, errors };
  }

  /**
   * Scales up at runtime (ids from `addedIds` when given); new sessions start active if `startAll`
   * is in effect, once `options.setUp` settled for them.
   */
  add(n: number, options?: AddSessionsOptions<P>): Promise<CreateSessionsResult> {
    const added = this.#added;
    if (added === undefined) return this.#create(n, () => this.#nextId++, options);
    return this.#create(
      n,
      () => {
        const id = added.next;
        added.next += added.step;
        return id;
      },
      options,
    );
  }

  /**
   * Scales down: unregisters up to `n` sessions at once (idle first, then
   * paused, then active; newest first within each) and closes them. Resolves
   * with the removed ids once their sockets are released.
   */
  async remove(n: number): Promise<number[]> {
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidOptionError(`session count must be a non-negative integer, got ${n}`);
    }
    const rank = { idle: 0, paused: 1, active: 2, closed: -1 } as const;
    const victims = [...this.#sessions.values()]
      .sort((a, b) => rank[a.state] - rank[b.state] || b.id - a.id)
      .slice(0, n);
    for (const session of victims) this.#sessions.delete(session.id);
    await this.#close(victims);
    return victims.map((session) => session.id);
  }

  /**
   * Scales down by id (the runner retires the highest-numbered sessions once
   * their iteration is done): unregisters the sessions with these ids and
   * closes them (graceful; `force` aborts requests in flight). Unknown ids are
   * skipped. Resolves with the ids removed once their sockets are released.
   */
  async removeSessions(ids: readonly number[], options?: { force?: boolean }): Promise<number[]> {
    const victims: Session<P>[] = [];
    for (const id of ids) {
      const session = this.#sessions.get(id);
      if (session === undefined) continue;
      this.#sessions.delete(id);
      victims.push(session);
    }
    await this.#close(victims, options);
    return victims.map((session) => session.id);
  }

  get(id: number): Session<P> | undefined {
    return this.#sessions.get(id);
  }

  /** Registered session ids, ascending. */
  ids(): number[] {
    return [...this.#sessions.keys()].sort((a, b) => a - b);
  }

  count(): number {
    return this.#sessions.size;
  }

  /** Sessions in state `active`, ascending id. */
  active(): Session<P>[] {
    const list: Session<P>[] = [];
    for (const session of this.#sessions.values()) if (session.state === 'active') list.push(session);
    return list.sort((a, b) => a.id - b.id);
  }

  /**
   * Opens each registered session's first connection to the target now (see
   * `Session.preconnect`), at most `concurrency` (default 256) at a time, so
   * the connects happen before a load window rather than in it. Never
   * rejects: a failed pre-connect is not a request failure (the session
   * connects on its first request, as without it); failures are logged once,
   * with their count. Once `concurrency` pre-connects in a row have failed
   * the target looks down and the rest are skipped, so a dead target costs
   * about two connect timeouts, not one per session; `signal` stops it too.
   * Sessions added later are not pre-connected.
   */
  async preconnectAll(options?: { concurrency?: number; signal?: AbortSignal }): Promise<PreconnectResult> {
    const concurrency = options?.concurrency ?? defaultPreconnectConcurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionError(`preconnectAll: concurrency must be a positive integer, got ${String(concurrency)}`);
    }
    const signal = options?.signal;
    const sessions = [...this.#sessions.values()];
    const result: PreconnectResult = { connected: 0, failed: 0, skipped: 0 };
    let failedInARow = 0;
    let firstError: string | undefined;
    let cursor = 0;
    const worker = async (): Promise<void> => {
      while (cursor < sessions.length && failedInARow < concurrency && signal?.aborted !== true) {
        const session = sessions[cursor++]!;
        try {
          if (await session.preconnect()) {
            result.connected++;
            failedInARow = 0;
          } else {
            result.skipped++;
          }
        } catch (error) {
          result.failed++;
          failedInARow++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, sessions.length) }, worker));
    result.skipped += sessions.length - cursor;
    if (result.failed > 0) {
      const gaveUp = failedInARow >= concurrency && cursor < sessions.length ? `; the target looks down, ${sessions.length - cursor} not tried` : '';
      this.#logger?.warn(`pre-connect failed for ${result.failed} session(s) (first error: ${firstError}): they connect on their first request${gaveUp}`, {
        ...result,
        error: firstError,
      });
    } else {
      this.#logger?.debug('sessions pre-connected', { ...result });
    }
    return result;
  }

  /** Makes every idle or paused session active; sessions added later start active too. */
  startAll(): void {
    this.#running = true;
    for (const session of this.#sessions.values()) {
      if (session.state === 'idle') session.activate();
      else if (session.state === 'paused') session.resume();
    }
  }

  /** Pauses every active session; sessions added later stay idle. */
  pauseAll(): void {
    this.#running = false;
    for (const session of this.#sessions.values()) {
      if (session.state === 'active') session.pause();
    }
  }

  /**
   * Closes every session and forgets it; resolves once every client has
   * released its sockets. Graceful by default (in-flight requests finish, at
   * most `request_timeout` later); `force` aborts them. Creations still in
   * flight are closed as they finish and reported as errors. Idempotent; the
   * manager can create sessions again afterwards (ids keep counting).
   */
  async stopAll(options?: { force?: boolean }): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#generation++;
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    // Sessions still closing after remove() or an earlier stopAll() count too.
    await this.#close([...sessions, ...this.#closing], options);
  }

  async #close(sessions: Session<P>[], options?: { force?: boolean }): Promise<void> {
    for (const session of sessions) this.#closing.add(session);
    await Promise.all(
      sessions.map((session) => session.close(options).finally(() => this.#closing.delete(session))),
    );
  }

  async #createOne(
    id: number,
    proxy: P | undefined,
    generation: number,
    setUp?: (session: Session<P>) => Promise<void>,
  ): Promise<Session<P> | SessionCreationError> {
    if (generation !== this.#generation) return stoppedError(id);
    let client: SessionClient;
    try {
      client = await this.#createClient({ ...(proxy === undefined ? {} : { proxy }), ...this.#clientOptions() });
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      const via = proxy === undefined ? '' : ` (proxy ${proxy.display})`;
      this.#logger?.warn('session creation failed', { sessionId: id, proxy: proxy?.display, error: detail });
      return new SessionCreationError(id, `${detail}${via}`, { cause });
    }

    let session: Session<P>;
    try {
      session = new Session<P>({
        id,
        client,
        ...(proxy === undefined ? {} : { proxy }),
        ...(this.#baseUrl === undefined ? {} : { baseUrl: this.#baseUrl }),
        headers: [this.#config.headers, this.#sessionHeaders?.(id)],
        requestTimeout: this.#config.request_timeout,
        maxRedirects: this.#maxRedirects,
        now: this.#now,
        ...(this.#proxies === undefined ? {} : { proxyHealth: this.#proxies }),
        ...(this.#canFailover()
          ? { reacquireProxy: () => this.#reacquire(id), onProxyUnreachable: (from: P) => this.#leaveUnreachable(id, from) }
          : {}),
        deadlines: this.#deadlines,
      });
      // Every proxy was down when it was created: it waits for one like a session that failed over.
      if (proxy !== undefined && this.#canFailover() && this.#proxies?.nextHealthy !== undefined && !this.#usable(proxy)) session.park();
    } catch (cause) {
      await client.close().catch(() => undefined);
      const detail = cause instanceof Error ? cause.message : String(cause);
      return new SessionCreationError(id, detail, { cause });
    }

    if (setUp !== undefined) {
      try {
        await setUp(session);
      } catch (cause) {
        await session.close().catch(() => undefined);
        const detail = cause instanceof Error ? cause.message : String(cause);
        this.#logger?.warn('session set-up failed', { sessionId: id, error: detail });
        return new SessionCreationError(id, `set-up failed: ${detail}`, { cause });
      }
    }
    if (generation !== this.#generation) {
      await session.close();
      return stoppedError(id);
    }
    if (this.#running) session.activate();
    this.#sessions.set(id, session);
    this.#logger?.debug('session created', { sessionId: id, proxy: proxy?.display });
    return session;
  }

  #canFailover(): boolean {
    return this.#proxies?.nextHealthy !== undefined && this.#proxies.subscribe !== undefined;
  }

  /** A new session's proxy: the next healthy one; when all are down, the next one anyway (the session starts parked). */
  #assign(): P | undefined {
    const source = this.#proxies;
    if (source === undefined) return undefined;
    return source.nextHealthy?.() ?? source.next();
  }

  #usable(proxy: P): boolean {
    return this.#proxies?.isUsable?.(proxy) ?? true;
  }

  #subscribe(): void {
    if (this.#unsubscribe !== undefined || !this.#canFailover()) return;
    this.#unsubscribe = this.#proxies?.subscribe?.((event) => this.#onProxyEvent(event));
  }

  /** A proxy's circuit opened, or a reload removed it: its sessions move to the next healthy proxy. */
  #onProxyEvent(event: SessionProxyEvent<P>): void {
    if (event.type === 'closed') {
      this.#parkedLogged = false;
      return;
    }
    const url = event.entry.url;
    const reason: FailoverReason = event.type === 'open' ? 'circuit_open' : 'removed';
    const moved: (string | undefined)[] = [];
    let parked = 0;
    for (const session of this.#sessions.values()) {
      if (session.proxy?.url !== url || session.state === 'closed') continue;
      if (this.#failover(session, reason)) moved.push(session.proxy?.display);
      else parked++;
    }
    if (moved.length === 0 && parked === 0) return;
    const why = reason === 'circuit_open' ? 'its circuit opened (connection failures in a row)' : 'a reload removed it from the list';
    this.#logger?.warn(`proxy ${event.entry.display}: ${why}; ${moved.length} session(s) moved to other proxies${parked > 0 ? `, ${parked} wait for one (no healthy proxy)` : ''}`, {
      proxy: event.entry.display,
      reason,
      moved: moved.length,
      parked,
    });
  }

  /** Called by a parked session before a request: a proxy may have recovered (half-open) or been added. */
  #reacquire(id: number): void {
    const session = this.#sessions.get(id);
    if (session !== undefined && session.parked) this.#failover(session, 'parked');
  }

  /**
   * A request of session `id` could not reach `proxy` (refused, connect timeout: nothing was
   * sent). If the session is still on it, it moves to another healthy proxy now, so the
   * scheduler's retry goes out through that one instead of the same dead proxy; the failure
   * was already counted against `proxy` (its circuit opens as before). With no other
   * healthy proxy it stays where it is, as before.
   */
  #leaveUnreachable(id: number, proxy: P): void {
    const session = this.#sessions.get(id);
    if (session === undefined || session.state === 'closed' || session.parked || session.proxy?.url !== proxy.url) return;
    this.#failover(session, 'unreachable');
  }

  /**
   * Moves `session` to the next healthy proxy, with a client built for it
   * around the session's own cookie jar; false (and the session parked) when
   * every proxy is down. A client factory that returns a promise leaves the
   * session parked until the client is ready.
   */
  #failover(session: Session<P>, reason: FailoverReason): boolean {
    const source = this.#proxies as ProxySource<P>;
    const from = session.proxy;
    // Leaving a proxy that still looks healthy (its circuit closed): any other one, never back to it.
    const to = source.nextHealthy?.(reason === 'unreachable' ? from : undefined);
    if (to === undefined) {
      if (reason === 'unreachable') return false;
      if (!session.parked) session.park();
      if (!this.#parkedLogged && reason === 'parked') {
        this.#parkedLogged = true;
        this.#logger?.warn('no healthy proxy: requests fail fast with no_healthy_proxy until a proxy recovers (after its cool-down, one probe request decides)');
      }
      return false;
    }
    if (from !== undefined && to.url === from.url) {
      // Its own proxy is usable again (this session's request is the half-open probe).
      session.unpark();
      return true;
    }
    if (from !== undefined && reason !== 'parked') source.reportFailover?.(from);
    let made: SessionClient | Promise<SessionClient>;
    try {
      made = this.#createClient({ ...this.#clientOptions(), proxy: to, cookieJar: jarOf(session as Session<SessionProxy>) });
    } catch (cause) {
      session.park();
      this.#logger?.warn('session could not move to another proxy: building its client failed', {
        sessionId: session.id,
        proxy: to.display,
        error: cause instanceof Error ? cause.message : String(cause),
      });
      return false;
    }
    const move = (client: SessionClient): void => {
      session.moveTo(to, client);
      this.#logger?.debug('session moved to another proxy', { sessionId: session.id, from: from?.display, to: to.display, reason });
    };
    if (made instanceof Promise) {
      session.park();
      made.then(move, (cause: unknown) =>
        this.#logger?.warn('session could not move to another proxy: building its client failed', {
          sessionId: session.id,
          proxy: to.display,
          error: cause instanceof Error ? cause.message : String(cause),
        }),
      );
      return false;
    }
    move(made);
    return true;
  }

  #clientOptions() {
    return {
      connections: this.#config.max_conns_per_host,
      keepAliveTimeout: this.#config.idle_conn_timeout,
      connectTimeout: this.#config.tls_handshake_timeout,
      requestTimeout: this.#config.request_timeout,
      insecureTls: this.#config.insecure_tls,
    };
  }
}

type FailoverReason = 'circuit_open' | 'removed' | 'parked' | 'unreachable';

function stoppedError(id: number): SessionCreationError {
  return new SessionCreationError(id, 'the manager was stopped while it was being created');
}
