import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { RequestRejectedError, TargetServerListenError, TargetServerOptionError } from './errors.js';
import { isControlPath, matchRoute, type RouteContext, type RouteServices } from './routes.js';
import { sendError, sendRootOk } from './responses.js';
import { ServerMetrics, type ServerMetricsSnapshot } from './server-metrics.js';
import { SessionStore } from './session-store.js';
import { TrafficStats, type ConnectionInfo, type TrafficStatsSnapshot } from './traffic-stats.js';

export interface TargetServerOptions {
  /** Port to listen on; 0 (default) picks a free ephemeral port. */
  port?: number;
  /** Interface to bind; loopback by default so nothing is exposed by accident. */
  host?: string;
  /** Idle keep-alive sockets are closed after this many ms. Default 65 000 (longer than common client pools' 60 s). */
  keepAliveTimeout?: number;
  /** Deadline for a request's headers, ms. Default 30 000 (slow-loris guard). */
  headersTimeout?: number;
  /** Deadline for a whole request (headers and body) to arrive, ms. Default 60 000. */
  requestTimeout?: number;
  /** How long `close()` lets in-flight requests finish before destroying their sockets, ms. Default 10 000. */
  shutdownTimeout?: number;
  /** Largest request body accepted; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest `ms` accepted by `GET /delay`. Default 60 000. */
  maxDelayMs?: number;
  /** Server-side sessions kept; the oldest is evicted beyond this. Default 100 000. */
  maxSessions?: number;
  /**
   * Signs session cookies with this key (HMAC-SHA256), so a server started later with the same
   * key recognises sessions an earlier process issued (a client that restored its cookies, e.g.
   * `engine run --session-state`) and admits them again (counted in /stats `auth.resumed`).
   * Default: none, sessions end with the process.
   */
  sessionSecret?: string;
  /** Distinct keys per /stats map (connections, remotes, sessions); more are counted as `untracked`. Default 100 000. */
  maxTrackedKeys?: number;
  /** listen() backlog. Default 1024 (the kernel may cap it: net.core.somaxconn). */
  backlog?: number;
  /** Random source for `GET /flaky`, in [0, 1). Default Math.random. */
  random?: () => number;
  /** Wall clock in ms for uptime and /stats `since`. Default Date.now. */
  now?: () => number;
  /** Receives lifecycle and handler-failure messages (the binary passes a stderr writer). Default: silent. */
  log?: (message: string) => void;
}

export interface CloseOptions {
  /** Overrides the server's `shutdownTimeout` for this call; 0 destroys every socket at once. */
  timeoutMs?: number;
}

export interface RunningTargetServer {
  /** `http://host:port`, ready to prefix paths. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The /stats figures (control routes excluded). */
  stats(): TrafficStatsSnapshot;
  /** The /metrics figures as JSON. */
  metrics(): ServerMetricsSnapshot;
  /** Same as `POST /stats/reset`. */
  resetStats(): void;
  /**
   * Graceful stop: refuses new connections, closes idle keep-alive sockets, lets in-flight
   * requests finish (answered with `Connection: close`) up to the shutdown timeout, then destroys
   * what is left. Idempotent: every call returns the same promise; a later call with a shorter
   * `timeoutMs` brings the forced stop forward (0 = now).
   */
  close(options?: CloseOptions): Promise<void>;
}

interface ResolvedOptions {
  port: number;
  host: string;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  shutdownTimeout: number;
  maxBodyBytes: number;
  maxDelayMs: number;
  maxSessions: number;
  maxTrackedKeys: number;
  backlog: number;
}

const DEFAULTS: ResolvedOptions = {
  port: 0,
  host: '127.0.0.1',
  keepAliveTimeout: 65_000,
  headersTimeout: 30_000,
  requestTimeout: 60_000,
  shutdownTimeout: 10_000,
  maxBodyBytes: 1024 * 1024,
  maxDelayMs: 60_000,
  maxSessions: 100_000,
  maxTrackedKeys: 100_000,
  backlog: 1024,
};

function resolveOptions(options: TargetServerOptions): ResolvedOptions {
  const out = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (key === 'host') {
      if (typeof value !== 'string' || value === '') throw new TargetServerOptionError(key, 'must be a non-empty string');
      out.host = value;
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new TargetServerOptionError(key, `must be a non-negative integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  if (out.port > 65_535) throw new TargetServerOptionError('port', `must be at most 65535, got ${out.port}`);
  for (const key of ['maxSessions', 'maxTrackedKeys', 'backlog'] as const) {
    if (out[key] === 0) throw new TargetServerOptionError(key, 'must be at least 1');
  }
  // Node refuses a headers deadline longer than the whole-request one.
  if (out.requestTimeout > 0 && out.headersTimeout > out.requestTimeout) {
    throw new TargetServerOptionError('headersTimeout', `must not exceed requestTimeout (${out.requestTimeout})`);
  }
  return out;
}

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

function ignore(): void {
  // Silent by default: in-process users (tests) rarely want lifecycle lines.
}

/** The whole server: one instance per call, no module-level state. */
class TargetServer implements RunningTargetServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly #server: Server;
  readonly #options: ResolvedOptions;
  readonly #log: (message: string) => void;
  readonly #metrics: ServerMetrics;
  readonly #stats: TrafficStats;
  readonly #services: RouteServices;
  readonly #connections = new WeakMap<Socket, ConnectionInfo>();
  #nextConnectionId = 1;
  #closing = false;
  #closed: Promise<void> | undefined;
  #forceTimer: NodeJS.Timeout | undefined;
  #forceDeadline = Number.POSITIVE_INFINITY;
  #stopped = false;
  #onDrained: (() => void) | undefined;

  private constructor(server: Server, options: ResolvedOptions, extra: TargetServerOptions) {
    this.#server = server;
    this.#options = options;
    this.#log = extra.log ?? ignore;
    const now = extra.now ?? Date.now;
    this.#metrics = new ServerMetrics(now);
    this.#stats = new TrafficStats({ keyLimit: options.maxTrackedKeys, now });
    const isClosing = (): boolean => this.#closing;
    this.#services = {
      sessions: new SessionStore(options.maxSessions, extra.sessionSecret),
      stats: this.#stats,
      metrics: this.#metrics,
      maxBodyBytes: options.maxBodyBytes,
      maxDelayMs: options.maxDelayMs,
      random: extra.random ?? Math.random,
      isClosing,
    };
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.host = options.host;
    this.url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`;
    server.on('connection', this.#onConnection);
    server.on('request', this.#onRequest);
    server.on('clientError', this.#onClientError);
    // Accept failures (EMFILE under a flood) must not crash the process: report and go on.
    server.on('error', (error) => this.#log(`target-server: server error: ${error.message}`));
  }

  static async start(options: TargetServerOptions): Promise<TargetServer> {
    const resolved = resolveOptions(options);
    const server = createServer({
      keepAliveTimeout: resolved.keepAliveTimeout,
      headersTimeout: resolved.headersTimeout,
      requestTimeout: resolved.requestTimeout,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(new TargetServerListenError(resolved.host, resolved.port, error));
      server.once('error', onError);
      server.listen({ port: resolved.port, host: resolved.host, backlog: resolved.backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    return new TargetServer(server, resolved, options);
  }

  stats(): TrafficStatsSnapshot {
    return this.#stats.snapshot();
  }

  metrics(): ServerMetricsSnapshot {
    return this.#metrics.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.#options.shutdownTimeout;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new TargetServerOptionError('timeoutMs', `must be a non-negative integer, got ${String(timeoutMs)}`));
    }
    this.#scheduleForce(timeoutMs);
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#log(`target-server: closing, in-flight requests have ${timeoutMs} ms to finish`);
    this.#closed = new Promise<void>((resolve) => {
      // Stops accepting and closes idle keep-alive sockets. Its callback can run before the last
      // sockets' 'close' events, so also wait for those: the figures are final on resolve.
      this.#server.close(() => {
        this.#afterDrain(() => {
          this.#stopped = true;
          clearTimeout(this.#forceTimer);
          this.#metrics.stop();
          resolve();
        });
      });
    });
    return this.#closed;
  }

  #afterDrain(done: () => void): void {
    if (this.#metrics.activeConnections === 0) done();
    else this.#onDrained = done;
  }

  /** Arms (or brings forward) the moment remaining connections are destroyed. */
  #scheduleForce(timeoutMs: number): void {
    const deadline = performance.now() + timeoutMs;
    if (this.#stopped || deadline >= this.#forceDeadline) return;
    this.#forceDeadline = deadline;
    clearTimeout(this.#forceTimer);
    this.#forceTimer = setTimeout(() => {
      this.#log(`target-server: shutdown grace over, closing remaining connections`);
      this.#server.closeAllConnections();
    }, timeoutMs);
    // Sockets keep the process alive while they last; the timer alone must not.
    this.#forceTimer.unref();
  }

  readonly #onConnection = (socket: Socket): void => {
    const address = socket.remoteAddress ?? 'unknown';
    const remote = address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`;
    this.#connections.set(socket, { id: this.#nextConnectionId++, remote, remoteAddress: address });
    this.#metrics.activeConnections++;
    this.#metrics.totalConnections++;
    this.#stats.connectionOpened();
    socket.once('close', this.#onSocketClose);
  };

  readonly #onSocketClose = (): void => {
    this.#metrics.activeConnections--;
    this.#stats.connectionClosed();
    if (this.#metrics.activeConnections === 0 && this.#onDrained) {
      const done = this.#onDrained;
      this.#onDrained = undefined;
      done();
    }
  };

  // One function for every response (`this` is the response): no closure per request.
  readonly #onResponseClose = ((server: TargetServer) =>
    function onResponseClose(this: ServerResponse): void {
      server.#metrics.responseClosed(this.statusCode, this.writableFinished);
      // A response that began before shutdown may have promised keep-alive; its socket is idle
      // now, so close it instead of waiting out the keep-alive timeout.
      if (server.#closing) server.#server.closeIdleConnections();
    })(this);

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#metrics.totalRequests++;
    res.once('close', this.#onResponseClose);
    try {
      this.#dispatch(req, res);
    } catch (error) {
      this.#fail(res, error);
    }
  };

  #dispatch(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    let path: string;
    let query: string;
    if (url.charCodeAt(0) === 47 /* / */) {
      const q = url.indexOf('?');
      path = q === -1 ? url : url.slice(0, q);
      query = q === -1 ? '' : url.slice(q + 1);
    } else {
      // Absolute form (`GET http://host/path`), as sent to a forwarding proxy.
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      path = parsed?.pathname ?? url;
      query = parsed ? parsed.search.slice(1) : '';
    }
    if (this.#closing) res.setHeader('connection', 'close');
    const method = req.method ?? 'GET';
    const connection = this.#connections.get(req.socket) ?? { id: 0, remote: 'unknown', remoteAddress: 'unknown' };
    const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!isControlPath(path)) this.#stats.request(connection, req.headers, sessionId);

    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      sendRootOk(res);
      return;
    }
    const route = matchRoute(path);
    if (!route) {
      sendError(res, 404, 'not_found', `no route for ${path}`, { path });
      return;
    }
    if (!route.methods.includes(method)) {
      sendError(res, 405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${route.allow}`, undefined, {
        allow: route.allow,
      });
      return;
    }
    const ctx: RouteContext = { req, res, path, query, connection, sessionId };
    const pending = route.handle(ctx, this.#services);
    if (pending) pending.catch((error: unknown) => this.#fail(res, error));
  }

  /** Turns a handler failure into an answer; never throws, so no request can crash the server. */
  #fail(res: ServerResponse, error: unknown): void {
    try {
      // Already answering, or the client is gone: nothing can be said any more.
      if (res.headersSent || res.destroyed || !res.socket || res.socket.destroyed) {
        res.destroy();
        return;
      }
      if (error instanceof RequestRejectedError) {
        sendError(res, error.status, error.reason, error.message);
        return;
      }
      this.#log(`target-server: handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendError(res, 500, 'internal_error', 'the handler failed; see the server log');
    } catch {
      res.destroy();
    }
  }

  readonly #onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    // A peer that hung up (reset, or EOF in the middle of a message) sent nothing malformed, and
    // cannot read an answer; its half-read request, if any, is counted as aborted.
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      socket.destroy();
      return;
    }
    this.#metrics.clientErrors++;
    this.#metrics.errors++;
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    const body = JSON.stringify({ error: 'bad_request', message: `malformed request (${error.code ?? error.message})` });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
}

/** Starts the demo target server and resolves once it is listening. */
export async function startTargetServer(options: TargetServerOptions = {}): Promise<RunningTargetServer> {
  return TargetServer.start(options);
}
