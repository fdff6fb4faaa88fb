import type { Dispatcher } from 'undici';
import type { Expirable } from './deadlines.js';
import type { RequestTarget } from './request-url.js';

/** undici's header list as the HTTP/1.1 client hands it over: name, value, name, value, ... */
export type RawHeaders = readonly (Buffer | string)[];

/**
 * Turns a finished collection into the request's outcome; a session supplies
 * one for all its requests. The collector settles the request whatever these
 * do: a throw from `complete` rejects it with what was thrown (`fail` is not
 * called: the owner may have done its bookkeeping already), a throw from
 * `fail` rejects it with what `fail` threw. Nothing thrown ever reaches undici,
 * which would emit it as an `error` event on the client.
 */
export interface CollectorOwner<R, C> {
  /** The response is complete: build the result, or a promise of it (a redirect followed). */
  complete(collector: ResponseCollector<R, C>): R | PromiseLike<R>;
  /** The request failed (undici's error, or the reason it was aborted): build the error to reject with. */
  fail(collector: ResponseCollector<R, C>, error: Error): Error;
  /**
   * The deadline passed before undici wrote the request to a connection (it
   * waits for a connect, or behind another request): give up the connect it
   * waits for, which fails it through `onError`. The collector settles it
   * as timed out right after, whether that happened or not.
   */
  abandonConnect?(collector: ResponseCollector<R, C>): void;
}

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

const EMPTY = Buffer.alloc(0);
const ignore = (): void => undefined;
const NO_HEADERS: RawHeaders = [];

/**
 * One request in flight: undici's dispatch handler, its deadline entry and
 * the promise the caller awaits, in one object.
 *
 * It implements undici's own handler interface (`onConnect` / `onHeaders` /
 * `onData` / `onComplete` / `onError`), which undici calls directly: the newer
 * `onRequestStart` interface is adapted through a wrapper, a controller and a
 * parsed header object per request. Headers stay raw here; the session scans
 * them for Set-Cookie and a response parses them only if a job reads them.
 * Everything after the response is done synchronously in `complete()`, so a
 * request keeps no async function suspended while it waits: at a thousand
 * requests in flight, that state is what the garbage collector copies.
 */
export class ResponseCollector<R, C> implements Dispatcher.DispatchHandler, Expirable {
  /** Whose request this is (the owner is shared, so it is told here). */
  readonly context: C;
  readonly method: string;
  readonly target: RequestTarget;
  /** What was asked for (the owner's request object), kept to follow a redirect from the response. */
  request: unknown = undefined;
  /** The proxy it was sent through: its outcome is reported there, even if the owner has moved on since. */
  via: unknown = undefined;
  /** The caller's signal and the listener added to it, removed when the request settles. */
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  status = 0;
  rawHeaders: RawHeaders = NO_HEADERS;
  bytes = 0;
  deadline = Infinity;
  deadlineSlot = -1;
  timedOut = false;
  readonly #owner: CollectorOwner<R, C>;
  #resolve: (value: R | PromiseLike<R>) => void = ignore;
  #reject: (error: Error) => void = ignore;
  #settled = false;
  #first: Buffer | undefined = undefined;
  #more: Buffer[] | undefined = undefined;
  #abort: ((error: Error) => void) | undefined = undefined;
  #abortReason: Error | undefined = undefined;

  constructor(owner: CollectorOwner<R, C>, context: C, method: string, target: RequestTarget) {
    this.#owner = owner;
    this.context = context;
    this.method = method;
    this.target = target;
  }

  /**
   * The request's outcome. Called once, before the collector is dispatched;
   * the caller keeps the promise, the collector only until it settles.
   */
  start(): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Stops the request (timeout or the caller's signal); it then fails with `reason`. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined || this.#settled) return;
    this.#abortReason = reason;
    if (this.#abort !== undefined) this.#abort(reason);
  }

  /** The deadline passed (called by `Deadlines`): the request settles now, timed out, wherever it is. */
  expire(): void {
    if (this.#settled) return;
    this.timedOut = true;
    const reason = new Error('request timed out');
    if (this.#abort !== undefined) {
      this.abort(reason);
    } else {
      // undici hands out a request's abort only once it is written to a socket, so
      // connecting is bounded by the connect timeout alone: the owner abandons the
      // connect instead, and a later onConnect aborts the request at once.
      this.#abortReason = reason;
      try {
        this.#owner.abandonConnect?.(this);
      } catch (thrown) {
        this.onError(asError(thrown));
      }
    }
    this.onError(reason);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    if (this.#abortReason !== undefined) abort(this.#abortReason);
  }

  onHeaders(statusCode: number, headers: Buffer[] | string[] | null, _resume: () => void, _statusText: string): boolean {
    // An interim 1xx is followed by the real response.
    if (statusCode >= 200) {
      this.status = statusCode;
      this.rawHeaders = headers ?? NO_HEADERS;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#first === undefined) this.#first = chunk;
    else (this.#more ??= [this.#first]).push(chunk);
    this.bytes += chunk.length;
    return true;
  }

  onComplete(_trailers: string[] | null): void {
    if (this.#settled) return;
    this.#settled = true;
    let result: R | PromiseLike<R>;
    try {
      result = this.#owner.complete(this);
    } catch (thrown) {
      this.#settle(undefined, asError(thrown));
      return;
    }
    this.#settle(result, undefined);
  }

  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    let outcome: Error;
    try {
      outcome = this.#owner.fail(this, error);
    } catch (thrown) {
      outcome = asError(thrown);
    }
    this.#settle(undefined, outcome);
  }

  /**
   * Settles the promise, then lets go of everything this request referenced.
   * A request that waited long may have been moved to the old generation;
   * whatever young object it still pointed to (the response, its headers and
   * body, through the promise) would then survive every young-generation GC
   * until the next full one, long after the request is over.
   */
  #settle(result: R | PromiseLike<R> | undefined, error: Error | undefined): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = ignore;
    this.#reject = ignore;
    this.rawHeaders = NO_HEADERS;
    this.#first = undefined;
    this.#more = undefined;
    this.#abort = undefined;
    this.request = undefined;
    this.signal = undefined;
    this.onAbort = undefined;
    if (error !== undefined) reject(error);
    else resolve(result as R | PromiseLike<R>);
  }

  /** The whole body (no copy when it came in one chunk). */
  body(): Buffer {
    if (this.#more !== undefined) return Buffer.concat(this.#more, this.bytes);
    return this.#first ?? EMPTY;
  }
}
