import type { Dispatcher } from 'undici';

/**
 * undici emits `error` on a Client when a request handler throws from
 * `onError` (the request has failed by then; what the handler threw has no
 * one left to go to). An `error` event without a listener throws from
 * `emit` and takes the process down, so every Client and Pool made here
 * listens, and the throw becomes a process warning: visible, not fatal.
 */
export function listenForHandlerErrors<T extends Dispatcher>(dispatcher: T): T {
  // undici's Dispatcher typings list only its connection events; `error` is a plain EventEmitter one.
  (dispatcher as unknown as NodeJS.EventEmitter).on('error', warnHandlerError);
  return dispatcher;
}

function warnHandlerError(error: unknown): void {
  const detail = error instanceof Error ? error.message : String(error);
  process.emitWarning(`a request handler threw after its request failed: ${detail}`, {
    type: 'SessionEngineWarning',
    code: 'SE_WARN_CLIENT_HANDLER_THREW',
    ...(error instanceof Error && error.stack !== undefined ? { detail: error.stack } : {}),
  });
}
