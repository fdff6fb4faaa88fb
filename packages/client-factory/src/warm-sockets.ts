import net from 'node:net';
import { errors, type buildConnector } from 'undici';

type Callback = buildConnector.Callback;
type ConnectOptions = buildConnector.Options;

const noop = (): void => undefined;

/** The key undici's connect options and a pre-connected origin share: `protocol//host[:port]` as `URL.host` spells it. */
function keyOf(protocol: string, host: string): string {
  return `${protocol}//${host}`;
}

/** One connection opened ahead of its first request: connecting, then open and waiting to be claimed. */
class Warm {
  /** What the connector returned while connecting, so an abandon can destroy it. */
  connecting: net.Socket | undefined = undefined;
  /** The connected socket, waiting for the first request's connect. */
  open: net.Socket | undefined = undefined;
  /** A request's connect that came while this one was still connecting: it gets this socket (or error). */
  claim: Callback | undefined = undefined;
  /** Settled: connected, failed or abandoned (a late socket is then destroyed). */
  done = false;
  /** The deadline of a pre-connect shorter than the connector's own timeout. */
  timer: NodeJS.Timeout | undefined = undefined;
  readonly promise: Promise<boolean>;
  resolve!: (value: boolean) => void;
  reject!: (error: Error) => void;
  /** While open and unclaimed: a socket the server closes, that errors or idles out, is dropped. */
  readonly gone: () => void;
  /** Reading makes the end of the stream show; data nobody asked for makes the socket unusable too. */
  readonly peek: () => void;

  constructor(drop: (warm: Warm) => void) {
    this.promise = new Promise<boolean>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.gone = () => drop(this);
    this.peek = () => {
      // At the end of the stream read() returns null and 'end' follows (gone).
      if (this.open?.read() !== null) drop(this);
    };
  }
}

/**
 * One client's connections opened ahead of time (`HttpClient.preconnect`).
 *
 * undici has no pre-connect: a `Client` connects when its first request is
 * dispatched. So a pre-connect calls the client's own connector now (same
 * connect timeout, TLS options and TLS session cache, SOCKS handshake) and
 * keeps the socket here, per client: connectors may be shared between
 * clients, this never is, so a socket opened for one session can only be
 * handed to that session. `wrap`ped around the connector, the first connect
 * undici asks for to that origin gets the kept socket if it is still open
 * (or waits for it if it is still connecting); otherwise it connects afresh.
 * A kept socket idles at most `idleTimeout`, like a pooled one, and is
 * destroyed by `closeAll` (the client's close or destroy).
 */
export class WarmSockets {
  #byOrigin: Map<string, Warm> | undefined = undefined;
  #closed = false;
  readonly #idleTimeout: number;
  readonly #deadline: number;

  /**
   * `idleTimeout`: how long a kept socket waits for its request. `deadline`
   * (0 = none): a pre-connect gives up after it, as a request's connect gives
   * up at the request's deadline when that is shorter than the connect timeout.
   */
  constructor(idleTimeout: number, deadline = 0) {
    this.#idleTimeout = idleTimeout;
    this.#deadline = deadline;
  }

  /** `connector`, handing out this client's warm socket for an origin before connecting afresh. */
  wrap(connector: buildConnector.connector): buildConnector.connector {
    return (options, callback) => {
      // Nothing pre-connected (every connect after the first, most clients): straight through.
      if (this.#byOrigin === undefined) return connector(options, callback);
      const warm = this.#take(keyOf(options.protocol, options.host ?? options.hostname));
      if (warm === undefined) return connector(options, callback);
      if (!warm.done) {
        warm.claim = callback;
        return warm.connecting;
      }
      const socket = warm.open;
      warm.open = undefined;
      if (socket !== undefined && usable(socket)) {
        release(socket, warm);
        // undici's connectors call back asynchronously; keep that order.
        process.nextTick(callback, null, socket);
        return socket;
      }
      socket?.on('error', noop).destroy();
      return connector(options, callback);
    };
  }

  /**
   * Opens a connection to `url`'s origin with `connector` and keeps it for
   * that origin's first connect. Resolves true once it is open (or handed to
   * a request that came meanwhile), false after `closeAll`; rejects with the
   * connect error. A second call for the same origin while one is kept
   * returns the same promise.
   */
  preconnect(url: URL, connector: buildConnector.connector): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const key = keyOf(url.protocol, url.host);
    const byOrigin = (this.#byOrigin ??= new Map());
    const known = byOrigin.get(key);
    if (known !== undefined) return known.promise;
    const warm = new Warm((dropped) => this.#drop(key, dropped));
    byOrigin.set(key, warm);
    // What undici's Client passes its connector (IPv6 hostnames without brackets).
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const options: ConnectOptions = { host: url.host, hostname, protocol: url.protocol, port: url.port };
    if (this.#deadline > 0) {
      warm.timer = setTimeout(() => {
        // A request waiting for this connect is bounded by its own deadline, later than this one.
        if (warm.claim !== undefined) return;
        const socket = warm.connecting;
        this.#settle(key, warm, new errors.ConnectTimeoutError(`pre-connect to ${key} timed out after ${this.#deadline} ms`), null);
        socket?.on('error', noop).destroy();
      }, this.#deadline).unref();
    }
    try {
      const returned = connector(options, (error, socket) => this.#settle(key, warm, error, socket)) as unknown;
      if (returned instanceof net.Socket && !warm.done) warm.connecting = returned;
    } catch (error) {
      this.#settle(key, warm, error instanceof Error ? error : new Error(String(error)), null);
    }
    return warm.promise;
  }

  /** Destroys every kept socket and connect in progress (their pre-connects resolve false); later pre-connects do nothing. */
  closeAll(): void {
    this.#closed = true;
    const byOrigin = this.#byOrigin;
    if (byOrigin === undefined) return;
    this.#byOrigin = undefined;
    for (const warm of byOrigin.values()) {
      const socket = warm.open ?? warm.connecting;
      warm.open = undefined;
      warm.connecting = undefined;
      if (socket !== undefined) {
        release(socket, warm);
        socket.on('error', noop).destroy();
      }
      if (!warm.done) {
        warm.done = true;
        clearTimeout(warm.timer);
        warm.resolve(false);
      }
    }
  }

  #take(key: string): Warm | undefined {
    const byOrigin = this.#byOrigin!;
    const warm = byOrigin.get(key);
    if (warm === undefined) return undefined;
    byOrigin.delete(key);
    if (byOrigin.size === 0) this.#byOrigin = undefined;
    return warm;
  }

  #settle(key: string, warm: Warm, error: Error | null, socket: net.Socket | null): void {
    if (warm.done) {
      // Abandoned (closeAll) before it connected: nobody wants this socket.
      socket?.on('error', noop).destroy();
      return;
    }
    warm.done = true;
    warm.connecting = undefined;
    clearTimeout(warm.timer);
    const claim = warm.claim;
    warm.claim = undefined;
    if (error !== null || socket === null) {
      if (this.#byOrigin?.get(key) === warm) this.#take(key);
      const failure = error ?? new Error(`no socket for ${key}`);
      // A request waiting for this connect fails as its own connect would have.
      claim?.(failure, null);
      warm.reject(failure);
      return;
    }
    if (claim !== undefined) {
      claim(null, socket);
    } else {
      warm.open = socket;
      socket.on('error', warm.gone).on('end', warm.gone).on('close', warm.gone).on('timeout', warm.gone).on('readable', warm.peek);
      socket.setTimeout(this.#idleTimeout);
    }
    warm.resolve(true);
  }

  /** A kept socket the server closed, that errored, idled out or got data nobody asked for: gone, the first request connects afresh. */
  #drop(key: string, warm: Warm): void {
    const socket = warm.open;
    if (socket === undefined) return;
    warm.open = undefined;
    if (this.#byOrigin?.get(key) === warm) this.#take(key);
    release(socket, warm);
    socket.on('error', noop).destroy();
  }
}

/** Open both ways and not torn down. */
function usable(socket: net.Socket): boolean {
  return !socket.destroyed && socket.readyState === 'open';
}

/** Takes off the listeners and idle timeout a kept socket had. */
function release(socket: net.Socket, warm: Warm): void {
  socket.setTimeout(0);
  socket
    .off('error', warm.gone)
    .off('end', warm.gone)
    .off('close', warm.gone)
    .off('timeout', warm.gone)
    .off('readable', warm.peek);
}
