/**
 * Base class of every session error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class SessionError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_SESSION', options?: ErrorOptions) {
    super(message, options);
    this.name = 'SessionError';
    this.code = code;
  }
}

/** A lifecycle method was called in a state that does not allow it. */
export class InvalidStateTransitionError extends SessionError {
  readonly sessionId: number;
  readonly from: string;
  readonly to: string;

  constructor(sessionId: number, from: string, to: string) {
    super(`session ${sessionId}: cannot go from "${from}" to "${to}"`, 'SE_ERR_SESSION_STATE');
    this.name = 'InvalidStateTransitionError';
    this.sessionId = sessionId;
    this.from = from;
    this.to = to;
  }
}

/** `request()` was called on a session that is closed (or closing). */
export class SessionClosedError extends SessionError {
  readonly sessionId: number;

  constructor(sessionId: number) {
    super(`session ${sessionId} is closed`, 'SE_ERR_SESSION_CLOSED');
    this.name = 'SessionClosedError';
    this.sessionId = sessionId;
  }
}

/** The request could not be built: no usable URL (no `url`, no `path`, or a `path` without a base URL). */
export class InvalidRequestError extends SessionError {
  readonly sessionId: number;

  constructor(sessionId: number, message: string, options?: ErrorOptions) {
    super(`session ${sessionId}: ${message}`, 'SE_ERR_SESSION_INVALID_REQUEST', options);
    this.name = 'InvalidRequestError';
    this.sessionId = sessionId;
  }
}

/**
 * The request failed before a complete response arrived (connect refused,
 * reset, proxy failure, aborted...). `causeCode` keeps the transport's own
 * code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) so callers can classify
 * failures without unwrapping.
 */
export class SessionRequestError extends SessionError {
  readonly sessionId: number;
  readonly method: string;
  readonly url: string;
  readonly causeCode: string;
  /** A hook that threw while this failure was being reported (e.g. a proxy health `reportFailure`). */
  readonly hookError: SessionHookError | undefined;

  constructor(
    sessionId: number,
    method: string,
    url: string,
    causeCode: string,
    detail: string,
    options?: RequestErrorOptions,
    code = 'SE_ERR_SESSION_REQUEST',
  ) {
    super(`session ${sessionId}: ${method} ${url} failed: ${detail}`, code, options);
    this.name = 'SessionRequestError';
    this.sessionId = sessionId;
    this.method = method;
    this.url = url;
    this.causeCode = causeCode;
    this.hookError = options?.hookError;
  }
}

export interface RequestErrorOptions extends ErrorOptions {
  hookError?: SessionHookError | undefined;
}

/** The session calls that run code it does not own while a request finishes. */
export type SessionHook = 'setCookie' | 'reportSuccess' | 'reportFailure' | 'onProxyUnreachable';

/**
 * A hook threw while a request was being finished: the cookie jar storing a
 * Set-Cookie line, or the proxy health source (`reportSuccess`,
 * `reportFailure`, and what they call, e.g. `ProxyManager`'s `onUnhealthy`).
 * A response whose hook threw rejects with this error (`cause` = what was
 * thrown); a failed request still rejects with its own `SessionRequestError`,
 * this error in its `hookError`.
 */
export class SessionHookError extends SessionError {
  readonly sessionId: number;
  readonly hook: SessionHook;

  constructor(sessionId: number, hook: SessionHook, options?: ErrorOptions) {
    const cause: unknown = options?.cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`session ${sessionId}: ${hook} threw: ${detail}`, 'SE_ERR_SESSION_HOOK', options);
    this.name = 'SessionHookError';
    this.sessionId = sessionId;
    this.hook = hook;
  }
}

/** The request did not complete (connect, send, headers and body) within the session's request timeout. */
export class SessionTimeoutError extends SessionRequestError {
  readonly timeout: number;

  constructor(sessionId: number, method: string, url: string, timeout: number, options?: RequestErrorOptions) {
    super(
      sessionId,
      method,
      url,
      'timeout',
      `no complete response within ${timeout} ms`,
      options,
      'SE_ERR_SESSION_TIMEOUT',
    );
    this.name = 'SessionTimeoutError';
    this.timeout = timeout;
  }
}

/** `SessionResponse.json()` was called on a body that is not valid JSON. */
export class ResponseJsonError extends SessionError {
  readonly url: string;
  readonly status: number;

  constructor(url: string, status: number, options?: ErrorOptions) {
    super(`response from ${url} (status ${status}) is not valid JSON`, 'SE_ERR_SESSION_BAD_JSON', options);
    this.name = 'ResponseJsonError';
    this.url = url;
    this.status = status;
  }
}

/** A session could not be created (its client factory threw, or the manager stopped meanwhile). */
export class SessionCreationError extends SessionError {
  readonly sessionId: number;

  constructor(sessionId: number, detail: string, options?: ErrorOptions) {
    super(`session ${sessionId} could not be created: ${detail}`, 'SE_ERR_SESSION_CREATE', options);
    this.name = 'SessionCreationError';
    this.sessionId = sessionId;
  }
}

/** An option or argument is out of range (e.g. a negative session count). */
export class InvalidOptionError extends SessionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_SESSION_INVALID_OPTIONS', options);
    this.name = 'InvalidOptionError';
  }
}
