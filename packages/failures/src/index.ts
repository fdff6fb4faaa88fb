export { failureKind, httpStatusKind } from './classify.js';
export {
  FAILURE_KINDS,
  countsAgainstProxy,
  failureKindInfo,
  isNeverSentKind,
  isRetryableKind,
  isStopKind,
} from './kinds.js';
export type { FailureCategory, FailureKindInfo } from './kinds.js';
