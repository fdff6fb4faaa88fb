export { ProxyError } from './errors.js';
