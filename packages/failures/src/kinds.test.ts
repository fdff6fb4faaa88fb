import { describe, expect, it } from 'vitest';
import {
  FAILURE_KINDS,
  countsAgainstProxy,
  failureKindInfo,
  httpStatusKind,
  isNeverSentKind,
  isRetryableKind,
  isStopKind,
} from './index.js';

describe('the retry allow-list', () => {
  it('retries refused, reset and closed connections, timeouts, 429 and 503', () => {
    for (const kind of ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'UND_ERR_SOCKET', 'timeout', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      expect(isRetryableKind(kind), kind).toBe(true);
    }
    expect(isRetryableKind(httpStatusKind(429))).toBe(true);
    expect(isRetryableKind(httpStatusKind(503))).toBe(true);
  });

  it('never retries what would fail the same way again', () => {
    for (const kind of [
      'proxy_auth',
      'proxy_connect',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'invalid_request',
      'session_closed',
      'aborted',
      'interrupted',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'expectation',
      'redirect_loop',
      'bad_redirect',
      'EMFILE',
      'http_500',
      'http_404',
      'SOME_FUTURE_CODE',
      'unknown',
    ]) {
      expect(isRetryableKind(kind), kind).toBe(false);
    }
  });

  it('lets a request that never left be retried whatever its method, and only those', () => {
    expect(isNeverSentKind('ECONNREFUSED')).toBe(true);
    expect(isNeverSentKind('UND_ERR_CONNECT_TIMEOUT')).toBe(true);
    expect(isNeverSentKind('ECONNRESET')).toBe(false);
    expect(isNeverSentKind('timeout')).toBe(false);
    for (const info of FAILURE_KINDS.values()) if (info.neverSent) expect(info.retryable, info.kind).toBe(true);
  });
});

describe('proxy health and stops', () => {
  it('blames the proxy for connection failures only', () => {
    for (const kind of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'proxy_auth', 'proxy_connect']) {
      expect(countsAgainstProxy(kind), kind).toBe(true);
    }
    for (const kind of ['timeout', 'http_502', 'CERT_HAS_EXPIRED', 'aborted', 'UND_ERR_SOCKET', 'unknown']) {
      expect(countsAgainstProxy(kind), kind).toBe(false);
    }
  });

  it('knows which kinds a stop or the caller caused', () => {
    for (const kind of ['aborted', 'interrupted', 'session_closed', 'UND_ERR_DESTROYED']) expect(isStopKind(kind), kind).toBe(true);
    for (const kind of ['timeout', 'ECONNRESET', 'unknown']) expect(isStopKind(kind), kind).toBe(false);
  });
});

describe('failureKindInfo', () => {
  it('describes every listed kind', () => {
    for (const [kind, info] of FAILURE_KINDS) {
      expect(info.kind).toBe(kind);
      expect(info.description.length).toBeGreaterThan(10);
    }
  });

  it('gives families their category and other codes category other', () => {
    expect(failureKindInfo('http_404')).toMatchObject({ category: 'http', retryable: false });
    expect(failureKindInfo('http_404').description).toContain('404');
    expect(failureKindInfo('HPE_INVALID_CONSTANT')).toMatchObject({ category: 'protocol', retryable: false });
    expect(failureKindInfo('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC')).toMatchObject({ category: 'tls' });
    expect(failureKindInfo('UNABLE_TO_GET_ISSUER_CERT')).toMatchObject({ category: 'tls' });
    expect(failureKindInfo('SOME_FUTURE_CODE')).toMatchObject({ category: 'other', retryable: false, countsAgainstProxy: false });
    expect(failureKindInfo('ECONNREFUSED')).toBe(FAILURE_KINDS.get('ECONNREFUSED'));
  });
});
