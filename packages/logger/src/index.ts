export { LoggerError } from './errors.js';
