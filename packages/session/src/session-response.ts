import type { IncomingHttpHeaders } from 'node:http';
import { ResponseJsonError } from './errors.js';

/** Response headers: lower-case names; `set-cookie` is always a `string[]`. */
export type ResponseHeaders = Record<string, string | string[]>;

/** A fully read response; the connection is already back in the pool. */
export interface SessionResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** Body length in bytes. */
  readonly bytes: number;
  /** The request URL (absolute; credentials masked), for messages. */
  readonly url: string;
  text(): string;
  /** Parses the body; throws `ResponseJsonError` (`SE_ERR_SESSION_BAD_JSON`) naming the URL if it is not JSON. */
  json<T = unknown>(): T;
}

export class BufferedResponse implements SessionResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly url: string;
  #raw: IncomingHttpHeaders | undefined;
  #headers: ResponseHeaders | undefined;

  /** `headers` may be undici's raw object: it is normalised on first read (most jobs never read it). */
  constructor(status: number, headers: ResponseHeaders | IncomingHttpHeaders, body: Buffer, url: string, raw = false) {
    this.status = status;
    if (raw) this.#raw = headers as IncomingHttpHeaders;
    else this.#headers = headers as ResponseHeaders;
    this.body = body;
    this.url = url;
  }

  get headers(): ResponseHeaders {
    if (this.#headers === undefined) {
      this.#headers = normaliseHeaders(this.#raw ?? {});
      this.#raw = undefined;
    }
    return this.#headers;
  }

  get bytes(): number {
    return this.body.length;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch (error) {
      throw new ResponseJsonError(this.url, this.status, { cause: error });
    }
  }
}

/** Copies undici's headers, dropping empty entries and making `set-cookie` always an array. */
export function normaliseHeaders(raw: IncomingHttpHeaders): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    headers[name] = value;
  }
  const setCookie = raw['set-cookie'];
  headers['set-cookie'] = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return headers;
}
