import { errors, type Dispatcher } from 'undici';

/**
 * Thrown from `onConnect`. undici calls `onConnect` once the request has a
 * connection and before it writes a byte of it; a throw there fails the
 * request (`onError` with what was thrown) and leaves the connection open
 * and idle in its pool (client-h1 `writeH1`, undici 7).
 */
const CONNECTED = new Error('connected ahead of the first request');

/**
 * The handler of a pre-connect: a request that makes the client connect and
 * is withdrawn the moment the connection is there, so nothing reaches the
 * target but the connection itself (TCP, TLS, the proxy's tunnel).
 */
export class ConnectAhead implements Dispatcher.DispatchHandler {
  readonly promise: Promise<boolean>;
  #resolve!: (connected: boolean) => void;
  #reject!: (error: Error) => void;
  #cancelled = false;

  constructor() {
    this.promise = new Promise<boolean>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The client closes: the pre-connect resolves false, whatever comes of its connect. */
  cancel(): void {
    this.#cancelled = true;
  }

  onConnect(): void {
    throw CONNECTED;
  }

  // Never called: the request is withdrawn before it is written.
  onHeaders(): boolean {
    return false;
  }

  onData(): boolean {
    return false;
  }

  onComplete(): void {
    this.#resolve(false);
  }

  onError(error: Error): void {
    if (error === CONNECTED || this.#cancelled) this.#resolve(error === CONNECTED && !this.#cancelled);
    else this.#reject(error);
  }
}

/**
 * One client's pre-connects (`HttpClient.preconnect`). undici has no
 * pre-connect of its own; this dispatches a `ConnectAhead` through the
 * client's own dispatcher, so the connection is opened by the very pool
 * that will use it, on every path (direct, SOCKS, HTTP(S) proxy tunnel or
 * forward, PAC) with the client's connect timeout and TLS session cache.
 */
export class ConnectsAhead {
  readonly #pending = new Set<ConnectAhead>();
  readonly #deadline: number;
  readonly #abortConnects: (error: Error) => boolean;
  #closed = false;

  /**
   * `deadline` (ms, 0 = none): a pre-connect gives up after it, as a
   * request's connect gives up at the request's deadline when that is shorter
   * than the connect timeout. `abortConnects` fails the client's connects in
   * progress (undici cannot take back a request that waits for one).
   */
  constructor(deadline: number, abortConnects: (error: Error) => boolean) {
    this.#deadline = deadline;
    this.#abortConnects = abortConnects;
  }

  /** Connects `dispatcher` to `url`'s origin; true once the connection is open, false after `cancelAll`. */
  start(dispatcher: Dispatcher, url: URL): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const ahead = new ConnectAhead();
    this.#pending.add(ahead);
    const timer =
      this.#deadline > 0
        ? setTimeout(() => {
            this.#abortConnects(new errors.ConnectTimeoutError(`pre-connect to ${url.origin} timed out after ${this.#deadline} ms`));
          }, this.#deadline).unref()
        : undefined;
    const done = (): void => {
      clearTimeout(timer);
      this.#pending.delete(ahead);
    };
    ahead.promise.then(done, done);
    dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET' }, ahead);
    return ahead.promise;
  }

  /**
   * The client closes: pending pre-connects resolve false and their connects
   * are abandoned (a close would otherwise wait for them); later ones do nothing.
   */
  cancelAll(): void {
    this.#closed = true;
    if (this.#pending.size === 0) return;
    for (const ahead of this.#pending) ahead.cancel();
    this.#abortConnects(new errors.ClientClosedError());
  }
}
