import { Client, Dispatcher } from 'undici';
import { destroyArgs, promiseOrCallback, type DestroyArgs } from './dispatcher-callback.js';
import { ConnectAhead } from './connect-ahead.js';
import { listenForHandlerErrors } from './handler-errors.js';

type ClientOptions = ConstructorParameters<typeof Client>[1];
type Handler = Dispatcher.DispatchHandler;

/** What a per-origin connection holder offers the dispatcher above it. */
export interface OriginPool {
  dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean;
  close(): Promise<void>;
  destroy(error: Error | null): Promise<void>;
}

/**
 * One origin's connections for one session: reuses the first idle connection
 * and opens another only while every open one is busy, up to `connections`.
 *
 * undici's `Pool` considers a client busy until that client's 'drain' event,
 * which fires after the caller has already read the response, so strictly
 * sequential requests (how a session works) alternate between two sockets.
 * That doubled every session's sockets; here idleness is read from each
 * client's live request count instead. A plain object (no event emitter): an
 * `OriginRouter` uses it directly; `ReusingPool` is its `Dispatcher` face.
 */
export class ClientSet implements OriginPool {
  readonly #origin: string | URL;
  readonly #options: ClientOptions;
  readonly #max: number;
  /** The first connection's client; `#more` only once a second one is needed. */
  #first: Client | undefined = undefined;
  #more: Client[] | undefined = undefined;
  /** The client a pre-connect is connecting: a request meanwhile waits for that connection rather than opening another. */
  #connecting: Client | undefined = undefined;
  readonly #onAdd: ((client: Client) => void) | undefined;

  /** `options` go to every Client as they are (clients of one session may share one object). */
  constructor(origin: string | URL, options: ClientOptions, connections: number, onAdd?: (client: Client) => void) {
    this.#origin = origin;
    this.#options = options;
    this.#max = connections;
    this.#onAdd = onAdd;
  }

  /** Open connections' clients. */
  get clients(): readonly Client[] {
    return this.#more ?? (this.#first === undefined ? [] : [this.#first]);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const client = this.#pick();
    if (handler instanceof ConnectAhead) {
      this.#connecting = client;
      const done = (): void => {
        if (this.#connecting === client) this.#connecting = undefined;
      };
      handler.promise.then(done, done);
    }
    return client.dispatch(options, handler);
  }

  #pick(): Client {
    const first = this.#first;
    if (first === undefined) return this.#add();
    // `stats` builds an object per read; the one-connection case is the hot one, so check it alone.
    if (this.#more === undefined) {
      return first.stats.size === 0 || this.#max === 1 || first === this.#connecting ? first : this.#add();
    }
    const clients = this.#more;
    let leastBusy = first;
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
    return clients.length < this.#max ? this.#add() : leastBusy;
  }

  #add(): Client {
    const client = listenForHandlerErrors(new Client(this.#origin, this.#options));
    if (this.#first === undefined) this.#first = client;
    else (this.#more ??= [this.#first]).push(client);
    this.#onAdd?.(client);
    return client;
  }

  close(): Promise<void> {
    return Promise.all(this.clients.map((client) => client.close())).then(() => undefined);
  }

  destroy(error: Error | null): Promise<void> {
    return Promise.all(this.clients.map((client) => client.destroy(error))).then(() => undefined);
  }

  get destroyed(): boolean {
    return this.clients.every((client) => client.destroyed);
  }
}

/** A `ClientSet` as an undici `Dispatcher`, for undici's own agents (ProxyAgent's per-origin factory). */
export class ReusingPool extends Dispatcher {
  readonly #set: ClientSet;
  #closed = false;

  constructor(origin: string | URL, options: ClientOptions & { connections: number }) {
    super();
    // Re-emit as undici pools do when somebody listens (an undici Agent above tracks connects and disconnects).
    const self = this as unknown as NodeJS.EventEmitter;
    const { connections, ...clientOptions } = options;
    this.#set = new ClientSet(origin, clientOptions, connections, (client) => {
      const events = client as unknown as NodeJS.EventEmitter;
      for (const event of ['drain', 'connect', 'disconnect', 'connectionError'] as const) {
        if (self.listenerCount(event) === 0) continue;
        events.on(event, (origin: unknown, targets: unknown[], error?: unknown) => self.emit(event, origin, [this, ...targets], error));
      }
    });
  }

  /** Open connections' clients (for tests and stats). */
  get clients(): readonly Client[] {
    return this.#set.clients;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    return this.#set.dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    return promiseOrCallback(this.#set.close(), callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(...args: DestroyArgs): Promise<void> | void {
    const { error, callback } = destroyArgs(...args);
    this.#closed = true;
    return promiseOrCallback(this.#set.destroy(error), callback);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#closed && this.#set.destroyed;
  }
}
