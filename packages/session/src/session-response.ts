import { util as undiciUtil } from 'undici';
import { ResponseJsonError } from './errors.js';
import type { RawHeaders } from './response-collector.js';

/** Response headers: lower-case names; `set-cookie` is always a `string[]`. */
export type ResponseHeaders = Record<string, string | string[]>;

/** A fully read response; the connection is already back in the pool. */
export interface SessionResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** Body length in bytes. */
  readonly bytes: number;
  /** The URL that answered (absolute; credentials masked): after redirects, the last one. */
  readonly url: string;
  /** Redirects followed to get this response (0: the URL asked for answered it). */
  readonly redirects: number;
  text(): string;
  /** Parses the body; throws `ResponseJsonError` (`SE_ERR_SESSION_BAD_JSON`) naming the URL if it is not JSON. */
  json<T = unknown>(): T;
}

export class BufferedResponse implements SessionResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly url: string;
  readonly redirects: number;
  #raw: RawHeaders | undefined;
  #headers: ResponseHeaders | undefined;

  /** `headers` may be undici's raw header list: it is parsed on first read (most jobs never read it). */
  constructor(status: number, headers: ResponseHeaders | RawHeaders, body: Buffer, url: string, redirects = 0) {
    this.status = status;
    if (Array.isArray(headers)) this.#raw = headers as RawHeaders;
    else this.#headers = headers as ResponseHeaders;
    this.body = body;
    this.url = url;
    this.redirects = redirects;
  }

  get headers(): ResponseHeaders {
    if (this.#headers === undefined) {
      this.#headers = normaliseHeaders(this.#raw ?? []);
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

/** Parses undici's raw header list: lower-case names, repeated headers as arrays, `set-cookie` always an array. */
export function normaliseHeaders(raw: RawHeaders): ResponseHeaders {
  const headers = undiciUtil.parseHeaders(raw as (Buffer | string)[]) as ResponseHeaders;
  const setCookie = headers['set-cookie'];
  headers['set-cookie'] = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return headers;
}
