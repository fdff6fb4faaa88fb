import { describe, expect, it } from 'vitest';
import { errors } from 'undici';
import { classifyError, ClientError, ProxyAuthError, ProxyConnectError } from './index.js';

function withCode(code: unknown, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyError', () => {
  it('returns the undici or Node code', () => {
    expect(classifyError(new errors.HeadersTimeoutError())).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(classifyError(new errors.BodyTimeoutError())).toBe('UND_ERR_BODY_TIMEOUT');
    expect(classifyError(new errors.ConnectTimeoutError())).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(classifyError(new errors.SocketError('closed'))).toBe('UND_ERR_SOCKET');
    expect(classifyError(withCode('ECONNRESET'))).toBe('ECONNRESET');
  });

  it("maps AbortSignal timeouts to 'timeout' and other aborts to 'aborted'", () => {
    expect(classifyError(new DOMException('late', 'TimeoutError'))).toBe('timeout');
    expect(classifyError(new DOMException('stop', 'AbortError'))).toBe('aborted');
  });

  it('maps our proxy errors', () => {
    expect(classifyError(new ProxyAuthError('socks5://h:1', 'no'))).toBe('proxy_auth');
    expect(classifyError(new ProxyConnectError('socks5://h:1', 'no'))).toBe('proxy_connect');
  });

  it("maps undici ProxyAgent's 407 and refused tunnels", () => {
    expect(classifyError(new errors.RequestAbortedError('Proxy response (407) !== 200 when HTTP Tunneling'))).toBe(
      'proxy_auth',
    );
    expect(classifyError(new errors.InvalidArgumentError('Proxy Authentication Required (407)'))).toBe('proxy_auth');
    expect(classifyError(new errors.RequestAbortedError('Proxy response (502) !== 200 when HTTP Tunneling'))).toBe(
      'proxy_connect',
    );
    expect(classifyError(new errors.RequestAbortedError())).toBe('UND_ERR_ABORTED');
  });

  it('follows the cause chain (fetch) and AggregateError (happy eyeballs)', () => {
    expect(classifyError(new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe('ECONNREFUSED');
    expect(classifyError(new AggregateError([withCode('ETIMEDOUT'), withCode('ECONNREFUSED')]))).toBe('ETIMEDOUT');
  });

  it("is 'unknown' without a code, for non-errors and for numeric codes", () => {
    expect(classifyError(new Error('plain'))).toBe('unknown');
    expect(classifyError('text')).toBe('unknown');
    expect(classifyError(undefined)).toBe('unknown');
    expect(classifyError(withCode(42))).toBe('unknown');
    expect(classifyError(withCode(''))).toBe('unknown');
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(classifyError(a)).toBe('unknown');
  });

  it('returns the code of other package errors', () => {
    expect(classifyError(new ClientError('x', 'SE_ERR_CLIENT_OPTIONS'))).toBe('SE_ERR_CLIENT_OPTIONS');
  });
});
