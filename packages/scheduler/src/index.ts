export { Scheduler } from './scheduler.js';
export type { Job, RunEndReason, RunSummary, SchedulerOptions, SchedulerPartition, SessionBackoffOptions } from './scheduler.js';
export { ArrivalSchedule, type ArrivalStride } from './open-model.js';
export type { JobContext, RequestOptions } from './job-context.js';
export type { RetryOptions } from './retry.js';
export type {
  DropCause,
  PoolJob,
  SchedulerConfig,
  SchedulerLogger,
  SchedulerMetrics,
  SchedulerPool,
  SchedulerSession,
  SessionRequest,
  SessionResponse,
  SessionSource,
  SessionState,
  StageConfig,
} from './contracts.js';
export { arrivalTime, arrivalsBy, stageValue, stagesDuration } from './stages.js';
export {
  ExpectationError,
  IterationInterruptedError,
  RequestFailedError,
  SchedulerError,
  SchedulerOptionsError,
  SchedulerStateError,
  UnknownSessionError,
  isInterruption,
} from './errors.js';
