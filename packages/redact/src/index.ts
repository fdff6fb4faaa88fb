export { REDACTED } from './placeholder.js';
export { isSecretHeader } from './secret-header.js';
export { redactUrl } from './redact-url.js';
export { redactHeaders } from './redact-headers.js';
export { redactBody } from './redact-body.js';
