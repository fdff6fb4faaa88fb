/**
 * The one classifier: error or status in, failure kind out (see kinds.ts).
 * Every package that counts, retries or blames a proxy for a failure asks
 * here, so a kind means the same in the report, in Prometheus and in the
 * retry decision.
 */

// undici's ProxyAgent reports proxy refusals by message only: a failed CONNECT
// is UND_ERR_ABORTED "Proxy response (407) !== 200 when HTTP Tunneling", a 407
// when forwarding is UND_ERR_INVALID_ARG "Proxy Authentication Required (407)".
const PROXY_AUTH = /\(407\)/;
const PROXY_TUNNEL_REFUSED = /^Proxy response \(\d+\) !== 200/;
// How deep to follow `cause` (fetch wraps the real error in a TypeError).
const MAX_DEPTH = 5;

/** Codes whose kind is an engine word, not the code itself. */
const CODE_KINDS: ReadonlyMap<string, string> = new Map([
  ['SE_ERR_PROXY_AUTH', 'proxy_auth'],
  ['SE_ERR_PROXY_CONNECT', 'proxy_connect'],
  ['SE_ERR_SESSION_TIMEOUT', 'timeout'],
  ['SE_ERR_SESSION_CLOSED', 'session_closed'],
  ['SE_ERR_SESSION_INVALID_REQUEST', 'invalid_request'],
  ['SE_ERR_SESSION_HOOK', 'hook_error'],
  ['SE_ERR_SCHEDULER_INTERRUPTED', 'interrupted'],
  ['SE_ERR_SCHEDULER_EXPECTATION', 'expectation'],
  ['UND_ERR_ABORTED', 'aborted'],
  ['ABORT_ERR', 'aborted'],
  ['UND_ERR_INVALID_ARG', 'invalid_request'],
  ['ERR_INVALID_URL', 'invalid_request'],
  ['ERR_INVALID_ARG_TYPE', 'invalid_request'],
  ['ERR_INVALID_ARG_VALUE', 'invalid_request'],
  ['ERR_INVALID_HTTP_TOKEN', 'invalid_request'],
  ['ERR_INVALID_CHAR', 'invalid_request'],
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  causeCode?: unknown;
  message?: unknown;
  cause?: unknown;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function kindOfCode(code: string, message: unknown): string {
  if ((code === 'UND_ERR_ABORTED' || code === 'UND_ERR_INVALID_ARG') && typeof message === 'string') {
    if (PROXY_AUTH.test(message)) return 'proxy_auth';
    if (PROXY_TUNNEL_REFUSED.test(message)) return 'proxy_connect';
  }
  return CODE_KINDS.get(code) ?? code;
}

/**
 * The failure kind of a thrown error:
 * - a session request error's `causeCode` (the session classified the transport error already);
 * - else the first `code` on the error, its `cause` chain or the first error
 *   of an AggregateError (happy eyeballs), mapped to an engine kind where one
 *   exists (`SE_ERR_PROXY_AUTH` -> `proxy_auth`, `UND_ERR_ABORTED` -> `aborted`,
 *   undici's 407 messages -> `proxy_auth`, ...), otherwise the code as is
 *   (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, `CERT_HAS_EXPIRED`);
 * - a DOMException `TimeoutError` (`AbortSignal.timeout()`) is `timeout`, an `AbortError` is `aborted`;
 * - `unknown` when there is no code at all.
 */
export function failureKind(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as ErrorShape;
    const causeCode = nonEmpty(candidate.causeCode);
    if (causeCode !== undefined) return kindOfCode(causeCode, undefined);
    const code = nonEmpty(candidate.code);
    if (code !== undefined) return kindOfCode(code, candidate.message);
    // DOMException has a numeric legacy `code` (23 for TimeoutError): its name is what counts.
    if (candidate.name === 'TimeoutError') return 'timeout';
    if (candidate.name === 'AbortError') return 'aborted';
    current = candidate.cause ?? (current instanceof AggregateError ? (current.errors[0] as unknown) : undefined);
  }
  return 'unknown';
}

// `http_<status>` strings, made once per status instead of once per response.
const STATUS_KINDS: (string | undefined)[] = [];

/**
 * The kind of a response status that counts as a failure: `http_404`,
 * `http_503`, ...; `http_invalid_status` outside 100-999.
 */
export function httpStatusKind(status: number): string {
  if (!(Number.isInteger(status) && status >= 100 && status <= 999)) return 'http_invalid_status';
  return (STATUS_KINDS[status] ??= `http_${status}`);
}
