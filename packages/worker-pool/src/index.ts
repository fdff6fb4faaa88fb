export { WorkerPoolError } from './errors.js';
