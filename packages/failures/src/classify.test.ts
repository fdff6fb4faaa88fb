import { describe, expect, it } from 'vitest';
import { errors } from 'undici';
import { failureKind, httpStatusKind } from './index.js';

function withCode(code: unknown, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('failureKind', () => {
  it('returns the undici or Node code as is', () => {
    expect(failureKind(new errors.HeadersTimeoutError())).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(failureKind(new errors.BodyTimeoutError())).toBe('UND_ERR_BODY_TIMEOUT');
    expect(failureKind(new errors.ConnectTimeoutError())).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(failureKind(new errors.SocketError('closed'))).toBe('UND_ERR_SOCKET');
    expect(failureKind(withCode('ECONNRESET'))).toBe('ECONNRESET');
    expect(failureKind(withCode('CERT_HAS_EXPIRED'))).toBe('CERT_HAS_EXPIRED');
  });

  it("maps AbortSignal timeouts to 'timeout' and other aborts to 'aborted'", () => {
    expect(failureKind(new DOMException('late', 'TimeoutError'))).toBe('timeout');
    expect(failureKind(new DOMException('stop', 'AbortError'))).toBe('aborted');
    expect(failureKind(new errors.RequestAbortedError())).toBe('aborted');
    expect(failureKind(withCode('ABORT_ERR'))).toBe('aborted');
  });

  it('prefers the causeCode a session request error carries over its own code', () => {
    const error = Object.assign(new Error('session 1: GET / failed'), { code: 'SE_ERR_SESSION_REQUEST', causeCode: 'ECONNREFUSED' });
    expect(failureKind(error)).toBe('ECONNREFUSED');
    expect(failureKind(Object.assign(new Error('t'), { code: 'SE_ERR_SESSION_TIMEOUT', causeCode: 'timeout' }))).toBe('timeout');
  });

  it('maps engine error codes to engine kinds', () => {
    expect(failureKind(withCode('SE_ERR_PROXY_AUTH'))).toBe('proxy_auth');
    expect(failureKind(withCode('SE_ERR_PROXY_CONNECT'))).toBe('proxy_connect');
    expect(failureKind(withCode('SE_ERR_SESSION_CLOSED'))).toBe('session_closed');
    expect(failureKind(withCode('SE_ERR_SESSION_INVALID_REQUEST'))).toBe('invalid_request');
    expect(failureKind(withCode('SE_ERR_SESSION_HOOK'))).toBe('hook_error');
    expect(failureKind(withCode('SE_ERR_SCHEDULER_INTERRUPTED'))).toBe('interrupted');
    expect(failureKind(new errors.InvalidArgumentError('invalid method'))).toBe('invalid_request');
  });

  it("maps undici ProxyAgent's 407 and refused tunnels by their message", () => {
    expect(failureKind(new errors.RequestAbortedError('Proxy response (407) !== 200 when HTTP Tunneling'))).toBe('proxy_auth');
    expect(failureKind(new errors.InvalidArgumentError('Proxy Authentication Required (407)'))).toBe('proxy_auth');
    expect(failureKind(new errors.RequestAbortedError('Proxy response (502) !== 200 when HTTP Tunneling'))).toBe('proxy_connect');
  });

  it('follows the cause chain (fetch) and AggregateError (happy eyeballs)', () => {
    expect(failureKind(new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe('ECONNREFUSED');
    expect(failureKind(new AggregateError([withCode('ETIMEDOUT'), withCode('ECONNREFUSED')]))).toBe('ETIMEDOUT');
  });

  it("is 'unknown' without a code, for non-errors and for numeric codes", () => {
    expect(failureKind(new Error('plain'))).toBe('unknown');
    expect(failureKind('text')).toBe('unknown');
    expect(failureKind(undefined)).toBe('unknown');
    expect(failureKind(null)).toBe('unknown');
    expect(failureKind(withCode(42))).toBe('unknown');
    expect(failureKind(withCode(''))).toBe('unknown');
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(failureKind(a)).toBe('unknown');
  });
});

describe('httpStatusKind', () => {
  it('names the exact status, the same string object each time', () => {
    expect(httpStatusKind(404)).toBe('http_404');
    expect(httpStatusKind(503)).toBe('http_503');
    expect(httpStatusKind(100)).toBe('http_100');
    expect(httpStatusKind(999)).toBe('http_999');
  });

  it('is http_invalid_status outside 100-999 and for non-integers', () => {
    for (const status of [0, 99, 1000, -1, 404.5, Number.NaN]) expect(httpStatusKind(status)).toBe('http_invalid_status');
  });
});
