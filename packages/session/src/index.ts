export { SessionError } from './errors.js';
