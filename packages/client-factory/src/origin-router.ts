import { Dispatcher, errors } from 'undici';
import { destroyArgs, promiseOrCallback, type DestroyArgs } from './dispatcher-callback.js';
import type { OriginPool } from './reusing-pool.js';

type Handler = Dispatcher.DispatchHandler;
type OriginFactory = (origin: string) => OriginPool;

/** Fails a request the way undici's own dispatchers do: through the handler, not by throwing. */
function failRequest(handler: Handler, error: Error): false {
  if (typeof handler.onError === 'function') handler.onError(error);
  else handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, error);
  return false;
}

/**
 * A session's dispatcher for direct and SOCKS connections: one pool per
 * origin, made by `factory` on first use and kept for the client's life.
 *
 * This is what undici's `Agent` does, minus what a single-identity client
 * does not need: Agent keeps a map entry, listeners and a connection count
 * per origin and closes an origin's pool when its last socket drops. A
 * session talks to one origin nearly always, so the first origin is held in
 * a field (no map lookup per request), and the rest in a map made only when
 * a second origin shows up. About 1 KiB less per idle session than an Agent.
 */
export class OriginRouter extends Dispatcher {
  readonly #factory: OriginFactory;
  #firstOrigin: string | undefined = undefined;
  #first: OriginPool | undefined = undefined;
  #others: Map<string, OriginPool> | undefined = undefined;
  #closed = false;
  #destroyed = false;

  constructor(factory: OriginFactory) {
    super();
    this.#factory = factory;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const origin = options.origin;
    const key = typeof origin === 'string' ? origin : origin === undefined ? '' : String(origin);
    if (key === '') return failRequest(handler, new errors.InvalidArgumentError('opts.origin must be a non-empty string or URL.'));
    if (key === this.#firstOrigin) return this.#first!.dispatch(options, handler);
    if (this.#destroyed) return failRequest(handler, new errors.ClientDestroyedError());
    if (this.#closed) return failRequest(handler, new errors.ClientClosedError());
    let pool = this.#others?.get(key);
    if (pool === undefined) {
      pool = this.#factory(key);
      if (this.#first === undefined) {
        this.#firstOrigin = key;
        this.#first = pool;
      } else {
        (this.#others ??= new Map()).set(key, pool);
      }
    }
    return pool.dispatch(options, handler);
  }

  /** Whether `origin` (spelled as requests give it) has its pool: a request was dispatched to it. */
  has(origin: string): boolean {
    return origin === this.#firstOrigin || this.#others?.has(origin) === true;
  }

  #pools(): OriginPool[] {
    const pools = this.#others === undefined ? [] : [...this.#others.values()];
    if (this.#first !== undefined) pools.unshift(this.#first);
    return pools;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    // As with undici's dispatchers, a closed router ends up destroyed once its pools have closed.
    const done = Promise.all(this.#pools().map((pool) => pool.close())).then(() => {
      this.#destroyed = true;
    });
    return promiseOrCallback(done, callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(...args: DestroyArgs): Promise<void> | void {
    const { error, callback } = destroyArgs(...args);
    this.#closed = true;
    this.#destroyed = true;
    const done = Promise.all(this.#pools().map((pool) => pool.destroy(error))).then(() => undefined);
    return promiseOrCallback(done, callback);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }
}
