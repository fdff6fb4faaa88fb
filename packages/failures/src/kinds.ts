/**
 * The failure vocabulary: every kind a failed request is counted under, in
 * the report's `errors`, the Prometheus `kind` label, the retry decision and
 * proxy health. Engine kinds are snake_case; transport codes from Node.js,
 * undici and OpenSSL keep their own upper-case spelling, so a user can search
 * for them. docs/errors.md#failure-kinds lists the same table (a workspace
 * test keeps the two in step).
 */

export type FailureCategory =
  | 'connection'
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'proxy'
  | 'http'
  | 'redirect'
  | 'protocol'
  | 'request'
  | 'local'
  | 'stop'
  | 'engine'
  | 'other';

export interface FailureKindInfo {
  readonly kind: string;
  readonly category: FailureCategory;
  /** A retry can help: the request is repeated (up to `retries`, idempotent methods only unless `neverSent`). */
  readonly retryable: boolean;
  /**
   * The request never left this machine, so repeating it cannot apply it
   * twice: even a non-idempotent request (POST) may be retried.
   */
  readonly neverSent: boolean;
  /** The session could not get through its connection: counts against the session's proxy health. */
  readonly countsAgainstProxy: boolean;
  /** One line for docs and `--help`: what happened. */
  readonly description: string;
}

type Flags = Partial<Pick<FailureKindInfo, 'retryable' | 'neverSent' | 'countsAgainstProxy'>>;

function entry(kind: string, category: FailureCategory, description: string, flags: Flags = {}): FailureKindInfo {
  return Object.freeze({
    kind,
    category,
    retryable: flags.retryable ?? false,
    neverSent: flags.neverSent ?? false,
    countsAgainstProxy: flags.countsAgainstProxy ?? false,
    description,
  });
}

const RETRY = { retryable: true } as const;

const ENTRIES: readonly FailureKindInfo[] = [
  // Refused, reset or closed before a response: the next attempt may find a healthy connection.
  entry('ECONNREFUSED', 'connection', 'Nothing accepted the connection: no server on that port, or it is overloaded.', {
    retryable: true,
    neverSent: true,
    countsAgainstProxy: true,
  }),
  entry('ECONNRESET', 'connection', 'The peer reset the connection before the response was complete.', {
    retryable: true,
    countsAgainstProxy: true,
  }),
  entry('ECONNABORTED', 'connection', 'The connection was aborted before the response was complete.', RETRY),
  entry('EPIPE', 'connection', 'Writing the request failed: the peer had closed the connection.', RETRY),
  entry('UND_ERR_SOCKET', 'connection', 'The socket closed before the response was complete (undici).', RETRY),
  entry('EHOSTUNREACH', 'connection', 'No route to the host: the network path is down.', { countsAgainstProxy: true }),
  entry('ENETUNREACH', 'connection', 'The network is unreachable from this machine.', { countsAgainstProxy: true }),
  // Name resolution: retrying in milliseconds does not fix DNS.
  entry('ENOTFOUND', 'dns', 'The host name does not resolve.', { countsAgainstProxy: true }),
  entry('EAI_AGAIN', 'dns', 'Name resolution failed temporarily (the resolver did not answer).', {
    countsAgainstProxy: true,
  }),
  // Timeouts.
  entry('timeout', 'timeout', 'No complete response within `request_timeout` (connect, proxy tunnel, TLS, send, headers and body).', RETRY),
  entry('UND_ERR_CONNECT_TIMEOUT', 'timeout', 'Connecting took longer than the connect bound (`tls_handshake_timeout`, or the request timeout while waiting for a connection).', {
    retryable: true,
    neverSent: true,
    countsAgainstProxy: true,
  }),
  entry('ETIMEDOUT', 'timeout', "The operating system's TCP connect timed out.", {
    retryable: true,
    neverSent: true,
    countsAgainstProxy: true,
  }),
  entry('UND_ERR_HEADERS_TIMEOUT', 'timeout', 'The response headers did not arrive in time (undici).', RETRY),
  entry('UND_ERR_BODY_TIMEOUT', 'timeout', 'The response body stalled (undici).', RETRY),
  // TLS: the same certificate fails the same way on the next attempt.
  entry('DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'The server presented a self-signed certificate.'),
  entry('SELF_SIGNED_CERT_IN_CHAIN', 'tls', "The server's certificate chain ends in an untrusted self-signed root."),
  entry('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', "The server's certificate cannot be verified (missing intermediate certificate)."),
  entry('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls', "The issuer of the server's certificate is not a trusted CA here."),
  entry('CERT_HAS_EXPIRED', 'tls', "The server's certificate has expired."),
  entry('CERT_NOT_YET_VALID', 'tls', "The server's certificate is not valid yet (check both clocks)."),
  entry('ERR_TLS_CERT_ALTNAME_INVALID', 'tls', "The certificate's names do not include the host that was requested."),
  entry('ERR_SSL_WRONG_VERSION_NUMBER', 'tls', 'The server did not answer TLS: an https:// URL pointing at a plain-HTTP port?'),
  entry('EPROTO', 'tls', 'The TLS handshake failed (protocol error).'),
  // Proxies.
  entry('proxy_auth', 'proxy', 'The proxy rejected the credentials (HTTP 407, or SOCKS5 authentication refused).', {
    countsAgainstProxy: true,
  }),
  // A proxy that cannot be reached at all fails as the connection failure it is (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT): retried.
  entry('proxy_connect', 'proxy', 'The proxy answered but refused to open the tunnel to the target (or a PAC file gave no usable route).', {
    countsAgainstProxy: true,
  }),
  entry('no_healthy_proxy', 'proxy', "Not sent: every proxy of the list is down (its circuit open after connection failures) or was removed; the session waits for one to recover."),
  // Responses.
  entry('http_429', 'http', 'The target answered 429 Too Many Requests (retried, honouring Retry-After).', RETRY),
  entry('http_503', 'http', 'The target answered 503 Service Unavailable (retried, honouring Retry-After).', RETRY),
  entry('http_<status>', 'http', 'The target answered with a status outside 2xx/3xx that no `expect_status` lists (e.g. http_404, http_500).'),
  entry('http_invalid_status', 'http', 'The response status is not a three-digit HTTP status.'),
  entry('expectation', 'http', "The response status is not in the step's `expect_status`."),
  entry('redirect_loop', 'redirect', 'More redirects than `max_redirects` (a redirect loop).'),
  entry('bad_redirect', 'redirect', 'A redirect without a usable `Location` (missing, unparsable or not http/https).'),
  // The response could not be read.
  entry('UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'protocol', 'The response body is shorter or longer than its Content-Length.'),
  entry('HPE_*', 'protocol', "The response is not valid HTTP/1.1 (llhttp's parser error, e.g. HPE_INVALID_CONSTANT)."),
  // The request itself.
  entry('invalid_request', 'request', 'The request cannot be sent: no usable URL, or an invalid method, header or body.'),
  // This machine.
  entry('EMFILE', 'local', 'This process ran out of file descriptors (raise `ulimit -n`, or use fewer sessions).'),
  entry('ENFILE', 'local', 'The machine ran out of file descriptors.'),
  entry('EADDRNOTAVAIL', 'local', 'No free local port to connect from (ephemeral port exhaustion).'),
  // The run or the caller ended the request: not the target's fault.
  entry('aborted', 'stop', "The caller aborted the request (its `signal`)."),
  entry('interrupted', 'stop', "The run's hard stop cut the request off (graceful_stop ran out, or a second signal)."),
  entry('session_closed', 'stop', 'The session was closed while the request was waiting or in flight.'),
  entry('UND_ERR_DESTROYED', 'stop', "The session's connection pool was destroyed while the request was in flight."),
  // The engine.
  entry('hook_error', 'engine', 'A hook threw while the response was finished (cookie jar, proxy health); see the logs.'),
  entry('unknown', 'other', 'An error without a code; the failure reasons and logs show its message.'),
];

/** Every documented failure kind; `http_<status>` and `HPE_*` stand for their families. */
export const FAILURE_KINDS: ReadonlyMap<string, FailureKindInfo> = new Map(ENTRIES.map((info) => [info.kind, info]));

const HTTP_STATUS = /^http_[1-9]\d\d$/;
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|SSL_|CERT_|UNABLE_TO_)|_CERT$|_CERT_/;

/**
 * What a kind means and how the engine treats it. Kinds outside the table
 * (a transport code the table does not list) are `other`: counted under
 * their own code, never retried.
 */
export function failureKindInfo(kind: string): FailureKindInfo {
  const known = FAILURE_KINDS.get(kind);
  if (known !== undefined) return known;
  if (HTTP_STATUS.test(kind)) {
    return entry(kind, 'http', `The target answered ${kind.slice(5)} and no \`expect_status\` lists it.`);
  }
  if (kind.startsWith('HPE_')) return entry(kind, 'protocol', (FAILURE_KINDS.get('HPE_*') as FailureKindInfo).description);
  if (TLS_CODE.test(kind)) return entry(kind, 'tls', 'A TLS or certificate error (OpenSSL code).');
  return entry(kind, 'other', 'An error code the engine does not classify further; never retried.');
}

/** Whether a retry can help a request that failed with this kind. */
export function isRetryableKind(kind: string): boolean {
  return FAILURE_KINDS.get(kind)?.retryable ?? false;
}

/** Whether a request that failed with this kind was never sent (safe to repeat whatever its method). */
export function isNeverSentKind(kind: string): boolean {
  return FAILURE_KINDS.get(kind)?.neverSent ?? false;
}

/** Whether this kind says the session's connection path (its proxy) failed. */
export function countsAgainstProxy(kind: string): boolean {
  return FAILURE_KINDS.get(kind)?.countsAgainstProxy ?? false;
}

/** Whether this kind means the request was ended by a stop or the caller, not by the target. */
export function isStopKind(kind: string): boolean {
  return FAILURE_KINDS.get(kind)?.category === 'stop';
}
