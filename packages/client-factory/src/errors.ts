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

/** An option passed to `createHttpClient` is invalid; `option` is its path, e.g. `proxy.protocol`. */
export class ClientConfigError extends ClientError {
  readonly option: string;

  constructor(option: string, message: string, options?: ErrorOptions) {
    super(`${option}: ${message}`, 'SE_ERR_CLIENT_INVALID_OPTIONS', options);
    this.name = 'ClientConfigError';
    this.option = option;
  }
}

/**
 * A SOCKS proxy could not be reached or refused to open the tunnel. `proxy` is
 * the masked proxy address; the underlying error is the `cause`.
 */
export class ProxyConnectError extends ClientError {
  readonly proxy: string;

  constructor(proxy: string, message: string, options?: ErrorOptions) {
    super(`${proxy}: ${message}`, 'SE_ERR_PROXY_CONNECT', options);
    this.name = 'ProxyConnectError';
    this.proxy = proxy;
  }
}

/** A SOCKS5 proxy rejected the username/password (HTTP proxies answer 407, surfaced by undici). */
export class ProxyAuthError extends ClientError {
  readonly proxy: string;

  constructor(proxy: string, message: string, options?: ErrorOptions) {
    super(`${proxy}: ${message}`, 'SE_ERR_PROXY_AUTH', options);
    this.name = 'ProxyAuthError';
    this.proxy = proxy;
  }
}
