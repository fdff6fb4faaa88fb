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
