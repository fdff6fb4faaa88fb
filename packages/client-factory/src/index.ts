export { createHttpClient, type HttpClient } from './http-client.js';
export { DEFAULTS, type HttpClientOptions } from './options.js';
export type { ProxyInput, ProxyProtocol, ProxyTarget } from './proxy-target.js';
export { normalizeHeaders, type NormalizedHeaders, type RawHeaders } from './headers.js';
export { ClientConfigError, ClientError, ProxyAuthError, ProxyConnectError } from './errors.js';
