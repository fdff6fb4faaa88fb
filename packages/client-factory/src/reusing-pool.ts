import { Client, Dispatcher } from 'undici';

type ClientOptions = ConstructorParameters<typeof Client>[1];
type Handler = Dispatcher.DispatchHandler;

/**
 * One origin's connections for one session: reuses the first idle connection
 * and opens another only while every open one is busy, up to `connections`.
 *
 * undici's `Pool` considers a client busy until that client's 'drain' event,
 * which fires after the caller has already read the response, so strictly
 * sequential requests (how a session works) alternate between two sockets.
 * That doubled every session's sockets; here idleness is read from each
 * client's live request count instead.
 */
export class ReusingPool extends Dispatcher {
  readonly #origin: string | URL;
  readonly #options: ClientOptions;
  readonly #max: number;
  readonly #clients: Client[] = [];
  #closed = false;

  constructor(origin: string | URL, options: ClientOptions & { connections: number }) {
    super();
    const { connections, ...clientOptions } = options;
    this.#origin = origin;
    this.#options = clientOptions;
    this.#max = connections;
  }

  /** Open connections' clients (for tests and stats). */
  get clients(): readonly Client[] {
    return this.#clients;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    return this.#pick().dispatch(options, handler);
  }

  #pick(): Client {
    const clients = this.#clients;
    let leastBusy: Client | undefined;
    let leastSize = Infinity;
    for (let i = 0; i < clients.length; i += 1) {
      const client = clients[i]!;
      const size = client.stats.size;
      if (size === 0) return client;
      if (size < leastSize) {
        leastSize = size;
        leastBusy = client;
      }
    }
    if (clients.length < this.#max || leastBusy === undefined) return this.#add();
    return leastBusy;
  }

  #add(): Client {
    const client = new Client(this.#origin, this.#options);
    // Re-emit as undici pools do when somebody listens (an undici Agent above, e.g. ProxyAgent's,
    // tracks connects and disconnects); a session's OriginRouter does not, and saves the listeners.
    const self = this as unknown as NodeJS.EventEmitter;
    const events = client as unknown as NodeJS.EventEmitter;
    for (const event of ['drain', 'connect', 'disconnect', 'connectionError'] as const) {
      if (self.listenerCount(event) === 0) continue;
      events.on(event, (origin: unknown, targets: unknown[], error?: unknown) => self.emit(event, origin, [this, ...targets], error));
    }
    this.#clients.push(client);
    return client;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const done = Promise.all(this.#clients.map((client) => client.close())).then(() => undefined);
    if (callback) {
      done.then(callback, callback);
      return;
    }
    return done;
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const error = typeof errorOrCallback === 'function' ? null : (errorOrCallback ?? null);
    const cb = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    this.#closed = true;
    const done = Promise.all(this.#clients.map((client) => client.destroy(error))).then(() => undefined);
    if (cb) {
      done.then(cb, cb);
      return;
    }
    return done;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#closed && this.#clients.every((client) => client.destroyed);
  }
}
