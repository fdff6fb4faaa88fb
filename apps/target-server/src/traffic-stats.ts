import type { IncomingHttpHeaders } from 'node:http';
import { CappedCounter } from './capped-counter.js';

/** Identity of one accepted TCP connection, assigned when it is accepted. */
export interface ConnectionInfo {
  /** Sequential id, 1-based, unique for the server's lifetime (not reset by /stats/reset). */
  readonly id: number;
  /** Remote `address:port` as seen by the server (a proxy's address for proxied traffic). */
  readonly remote: string;
  readonly remoteAddress: string;
}

/** What `GET /stats` returns (and `RunningTargetServer.stats()`). Field names are snake_case like /metrics. */
export interface TrafficStatsSnapshot {
  /** ISO time of the server start or the last reset. */
  since: string;
  /** Counted requests (every request except the control routes /health, /metrics, /stats*). */
  total_requests: number;
  connections: {
    /** TCP connections accepted since start/reset, whether or not they carried a counted request. */
    opened: number;
    /** TCP connections open right now (a gauge: not affected by reset). */
    open: number;
    /** Connections that carried at least one counted request since start/reset. */
    with_requests: number;
  };
  /** Connection id -> counted requests on it. */
  requests_per_connection: Record<string, number>;
  /** Remote `address:port` -> counted requests. */
  requests_per_remote: Record<string, number>;
  /** Remote address -> counted requests. */
  requests_per_remote_address: Record<string, number>;
  sessions: {
    /** Distinct session cookie (`sid`) values seen on counted requests. */
    count: number;
    ids: string[];
    /** Session cookie value -> counted requests carrying it. */
    requests: Record<string, number>;
    /** Counted requests that carried no session cookie. */
    requests_without_session: number;
  };
  proxied: {
    /** Counted requests carrying at least one proxy marker header. */
    requests: number;
    via: number;
    forwarded: number;
    x_forwarded_for: number;
  };
  /** Requests not broken down in the maps above because a map hit its key limit. */
  untracked: number;
  /** Logins and what the routes that need a session (/api/me, /api/counter) made of the requests' session cookies. */
  auth: {
    /** `POST /login` requests answered (each issues a new session). */
    logins: number;
    /** Sessions issued by an earlier server process and recognised by their signed cookie (`sessionSecret`). */
    resumed: number;
    /** Requests to /api/me and /api/counter with a session the server knows (or resumed). */
    authenticated: number;
    /** Requests to /api/me and /api/counter answered 401: no session cookie, or one the server does not know. */
    unauthenticated: number;
  };
}

/**
 * Accounting behind `GET /stats`: connections versus requests, sessions, proxy markers. Kept
 * separate from the /metrics counters because it is resettable and excludes control routes, so
 * a test reads exactly the traffic it generated.
 */
export class TrafficStats {
  readonly #now: () => number;
  #since: number;
  #total = 0;
  #opened = 0;
  #open = 0;
  #withoutSession = 0;
  #proxied = 0;
  #via = 0;
  #forwarded = 0;
  #xForwardedFor = 0;
  #logins = 0;
  #resumed = 0;
  #authenticated = 0;
  #unauthenticated = 0;
  readonly #perConnection: CappedCounter<number>;
  readonly #perRemote: CappedCounter;
  readonly #perRemoteAddress: CappedCounter;
  readonly #perSession: CappedCounter;

  constructor(options: { keyLimit: number; now: () => number }) {
    this.#now = options.now;
    this.#since = options.now();
    this.#perConnection = new CappedCounter(options.keyLimit);
    this.#perRemote = new CappedCounter(options.keyLimit);
    this.#perRemoteAddress = new CappedCounter(options.keyLimit);
    this.#perSession = new CappedCounter(options.keyLimit);
  }

  connectionOpened(): void {
    this.#opened++;
    this.#open++;
  }

  connectionClosed(): void {
    this.#open--;
  }

  /** Records one counted request; `sessionId` is the request's session cookie value, if any. */
  request(connection: ConnectionInfo, headers: IncomingHttpHeaders, sessionId: string | undefined): void {
    this.#total++;
    this.#perConnection.increment(connection.id);
    this.#perRemote.increment(connection.remote);
    this.#perRemoteAddress.increment(connection.remoteAddress);
    if (sessionId === undefined) this.#withoutSession++;
    else this.#perSession.increment(sessionId);
    const via = headers.via !== undefined;
    const forwarded = headers.forwarded !== undefined;
    const xff = headers['x-forwarded-for'] !== undefined;
    if (via) this.#via++;
    if (forwarded) this.#forwarded++;
    if (xff) this.#xForwardedFor++;
    if (via || forwarded || xff) this.#proxied++;
  }

  /** A login issued a session. */
  login(): void {
    this.#logins++;
  }

  /** A request to a route that needs a session: known (`resumed`: from an earlier process's signed cookie) or not. */
  authentication(outcome: 'known' | 'resumed' | 'unknown'): void {
    if (outcome === 'unknown') {
      this.#unauthenticated++;
      return;
    }
    this.#authenticated++;
    if (outcome === 'resumed') this.#resumed++;
  }

  snapshot(): TrafficStatsSnapshot {
    return {
      since: new Date(this.#since).toISOString(),
      total_requests: this.#total,
      connections: { opened: this.#opened, open: this.#open, with_requests: this.#perConnection.size },
      requests_per_connection: this.#perConnection.toRecord(),
      requests_per_remote: this.#perRemote.toRecord(),
      requests_per_remote_address: this.#perRemoteAddress.toRecord(),
      sessions: {
        count: this.#perSession.size,
        ids: this.#perSession.keys(),
        requests: this.#perSession.toRecord(),
        requests_without_session: this.#withoutSession,
      },
      proxied: { requests: this.#proxied, via: this.#via, forwarded: this.#forwarded, x_forwarded_for: this.#xForwardedFor },
      untracked: Math.max(
        this.#perConnection.untracked,
        this.#perRemote.untracked,
        this.#perRemoteAddress.untracked,
        this.#perSession.untracked,
      ),
      auth: { logins: this.#logins, resumed: this.#resumed, authenticated: this.#authenticated, unauthenticated: this.#unauthenticated },
    };
  }

  /** Zeroes every counter except the open-connections gauge, which describes the present. */
  reset(): void {
    this.#since = this.#now();
    this.#total = 0;
    this.#opened = 0;
    this.#withoutSession = 0;
    this.#proxied = 0;
    this.#via = 0;
    this.#forwarded = 0;
    this.#xForwardedFor = 0;
    this.#logins = 0;
    this.#resumed = 0;
    this.#authenticated = 0;
    this.#unauthenticated = 0;
    this.#perConnection.clear();
    this.#perRemote.clear();
    this.#perRemoteAddress.clear();
    this.#perSession.clear();
  }
}
