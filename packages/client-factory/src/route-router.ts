import { Dispatcher, errors } from 'undici';
import { destroyArgs, promiseOrCallback, type DestroyArgs } from './dispatcher-callback.js';
import type { BuiltDispatcher } from './dispatcher.js';
import { ProxyConnectError } from './errors.js';
import type { ProxyTarget } from './proxy-target.js';

type Handler = Dispatcher.DispatchHandler;

/** Chooses the proxy for a target URL (`undefined` = direct): a PAC file or the environment. */
export type RouteChooser = (targetUrl: string) => Promise<ProxyTarget | undefined>;

function failRequest(handler: Handler, error: Error): void {
  if (typeof handler.onError === 'function') handler.onError(error);
  else handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, error);
}

/**
 * A session's dispatcher when a PAC file (or the environment) picks the
 * proxy: the first request to an origin asks `choose` (with that request's
 * URL) and waits; the answer is kept for the origin, for the client's life.
 * Origins routed the same way share one dispatcher, built by `build` as for
 * a fixed proxy (or direct). A choice that fails fails the requests waiting
 * for it (SE_ERR_PROXY_CONNECT, kind `proxy_connect`); the next request asks again.
 */
export class RouteRouter extends Dispatcher {
  readonly #choose: RouteChooser;
  readonly #build: (proxy: ProxyTarget | undefined) => BuiltDispatcher;
  readonly #display: string;
  readonly #byOrigin = new Map<string, Dispatcher | Promise<Dispatcher>>();
  readonly #byRoute = new Map<string, BuiltDispatcher>();
  #closed = false;
  #destroyed = false;

  constructor(choose: RouteChooser, build: (proxy: ProxyTarget | undefined) => BuiltDispatcher, display: string) {
    super();
    this.#choose = choose;
    this.#build = build;
    this.#display = display;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const origin = typeof options.origin === 'string' ? options.origin : String(options.origin ?? '');
    const known = this.#byOrigin.get(origin);
    if (known instanceof Dispatcher) return known.dispatch(options, handler);
    if (this.#destroyed) return (failRequest(handler, new errors.ClientDestroyedError()), false);
    if (this.#closed) return (failRequest(handler, new errors.ClientClosedError()), false);
    const pending = known ?? this.#route(origin, options.path);
    pending.then(
      (dispatcher) => {
        if (this.#destroyed) failRequest(handler, new errors.ClientDestroyedError());
        else dispatcher.dispatch(options, handler);
      },
      (error: Error) => failRequest(handler, error),
    );
    return true;
  }

  #route(origin: string, path: string): Promise<Dispatcher> {
    const pending = this.#choose(`${origin}${path}`).then(
      (proxy) => {
        const key = proxy === undefined ? 'DIRECT' : proxy.url;
        let built = this.#byRoute.get(key);
        if (built === undefined) {
          built = this.#build(proxy);
          this.#byRoute.set(key, built);
        }
        this.#byOrigin.set(origin, built.dispatcher);
        return built.dispatcher;
      },
      (cause: unknown) => {
        this.#byOrigin.delete(origin);
        throw new ProxyConnectError(this.#display, `no route for ${origin}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      },
    );
    this.#byOrigin.set(origin, pending);
    return pending;
  }

  /**
   * Pre-connects `url`'s origin on the route chosen for `url` (kept for the
   * origin as a request's choice is). False when the origin is already routed
   * or being routed (its requests connect as usual), or the router is closed.
   */
  async preconnect(url: URL): Promise<boolean> {
    const origin = url.origin;
    if (this.#closed || this.#byOrigin.has(origin)) return false;
    const dispatcher = await this.#route(origin, `${url.pathname}${url.search}`);
    if (this.#closed) return false;
    for (const built of this.#byRoute.values()) if (built.dispatcher === dispatcher) return built.preconnect(url);
    return false;
  }

  /** Every dispatcher built so far, for destroy and abortConnects. */
  built(): BuiltDispatcher[] {
    return [...this.#byRoute.values()];
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const done = Promise.all(this.built().map((built) => built.dispatcher.close())).then(() => {
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
    const done = Promise.all(this.built().map((built) => built.destroy(error ?? undefined))).then(() => undefined);
    return promiseOrCallback(done, callback);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }
}
