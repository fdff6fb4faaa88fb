export type {
  CreateClient,
  CreateClientOptions,
  ProxySource,
  SessionClient,
  SessionConfig,
  SessionLogger,
  SessionProxy,
} from './contracts.js';
export {
  InvalidOptionError,
  InvalidRequestError,
  InvalidStateTransitionError,
  ResponseJsonError,
  SessionClosedError,
  SessionCreationError,
  SessionError,
  SessionHookError,
  SessionRequestError,
  SessionTimeoutError,
  type RequestErrorOptions,
  type SessionHook,
} from './errors.js';
export { DEFAULT_MAX_REDIRECTS } from './redirects.js';
export { Session, type SessionOptions, type SessionRequest, type SessionStats } from './session.js';
export {
  SessionManager,
  type AddSessionsOptions,
  type CreateSessionsResult,
  type PreconnectResult,
  type SessionManagerOptions,
} from './session-manager.js';
export type { ResponseHeaders, SessionResponse } from './session-response.js';
export type { SessionState } from './session-state.js';
