/**
 * Base class of every configuration error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class ConfigError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_CONFIG', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
    this.code = code;
  }
}
