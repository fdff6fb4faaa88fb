export { WorkerPool } from './worker-pool.js';
export type { StopOptions, StopResult, WorkerPoolOptions, WorkerPoolStats } from './worker-pool.js';
export type { JobResult, JobSettledCallback, SubmittedJob } from './job.js';
export { JobDroppedError, WorkerPoolError, WorkerPoolOptionsError, WorkerPoolStoppedError } from './errors.js';
