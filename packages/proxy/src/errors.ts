/**
 * Base class of every proxy error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class ProxyError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_PROXY', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}
