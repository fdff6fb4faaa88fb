/**
 * Base class of every HTTP client error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class ClientError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_CLIENT', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}
