// undici's ProxyAgent reports proxy refusals by message only: a failed CONNECT
// is UND_ERR_ABORTED "Proxy response (407) !== 200 when HTTP Tunneling", a 407
// when forwarding is UND_ERR_INVALID_ARG "Proxy Authentication Required (407)".
const PROXY_AUTH = /\(407\)/;
const PROXY_TUNNEL_REFUSED = /^Proxy response \(\d+\) !== 200/;
// How deep to follow `cause` (fetch wraps the real error in a TypeError).
const MAX_DEPTH = 5;

/**
 * A stable, low-cardinality kind for metrics (`Metrics.recordFailure(kind)`):
 * - `'proxy_auth'`: the proxy wants other credentials (HTTP 407, SOCKS5 auth rejected);
 * - `'proxy_connect'`: a SOCKS proxy could not be reached or refused the tunnel, or an
 *   HTTP proxy answered CONNECT with a status other than 200/407;
 * - `'timeout'`: an `AbortSignal.timeout()` fired; `'aborted'`: another abort;
 * - otherwise the undici/Node error code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...),
 *   found on the error, its `cause` chain or the first error of an AggregateError;
 * - `'unknown'` when there is none.
 */
export function classifyError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    const code = typeof candidate.code === 'string' && candidate.code !== '' ? candidate.code : undefined;
    if (code === 'SE_ERR_CLIENT_PROXY_AUTH') return 'proxy_auth';
    if (code === 'SE_ERR_CLIENT_PROXY_CONNECT') return 'proxy_connect';
    if ((code === 'UND_ERR_ABORTED' || code === 'UND_ERR_INVALID_ARG') && typeof candidate.message === 'string') {
      if (PROXY_AUTH.test(candidate.message)) return 'proxy_auth';
      if (PROXY_TUNNEL_REFUSED.test(candidate.message)) return 'proxy_connect';
    }
    if (code !== undefined) return code;
    // DOMException has a numeric legacy `code` (23 for TimeoutError): its name is what counts.
    if (candidate.name === 'TimeoutError') return 'timeout';
    if (candidate.name === 'AbortError') return 'aborted';
    current =
      candidate.cause ?? (current instanceof AggregateError ? (current.errors[0] as unknown) : undefined);
  }
  return 'unknown';
}
