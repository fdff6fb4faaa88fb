import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Expirable } from './deadlines.js';

/** Why a collector stopped a request itself. */
export const TIMED_OUT = Symbol('timed out');

/**
 * One request's undici dispatch handler: collects the status, headers and
 * body chunks and settles one promise. Cheaper than `request()`, which builds
 * a stream for every body only for us to read it whole.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler, Expirable {
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly chunks: Buffer[] = [];
  bytes = 0;
  deadline = Infinity;
  timedOut = false;
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Stops the request (timeout or the caller's signal); it then fails with `reason`. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    if (this.#controller !== undefined) this.#controller.abort(reason);
  }

  expire(): void {
    this.timedOut = true;
    this.abort(new Error('request timed out'));
  }

  /** Settles `done` with an error thrown before or instead of dispatching. */
  fail(error: Error): void {
    this.#reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // An interim 1xx is followed by the real response.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  onResponseEnd(): void {
    this.#resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#reject(error);
  }

  body(): Buffer {
    const chunks = this.chunks;
    if (chunks.length === 1) return chunks[0]!;
    return chunks.length === 0 ? EMPTY : Buffer.concat(chunks, this.bytes);
  }
}

const EMPTY = Buffer.alloc(0);
