export { run, jobFromConfig } from './run.js';
export { OnceSteps } from './once-steps.js';
export type { ScenarioJobOptions } from './scenario-job.js';
export type { SessionStateReport } from './session-state.js';
export type { LiveSnapshot, RunOptions, RunPartition } from './run.js';
export { runThreads, type ThreadsOptions } from './threads/run-threads.js';
export { planThreads, splitRunChange, usableThreads, type ThreadPlan } from './threads/partition.js';
export { runShard, checkRunId, parseStartAt, SHARD_LATE_EXIT_CODE, type ShardOptions, type ShardFields } from './shards/run-shard.js';
export { parseShard, planShard, threadsPerShard, configHash, SHARD_INDEX_VARIABLE, type ShardSpec } from './shards/plan.js';
export { mergeShardReports, type MergeShardsOptions } from './shards/merge-shards.js';
export { ShardArgumentError, ShardLateError, ShardMergeError, type ShardMergeCode } from './shards/errors.js';
export { RunControl, type ProxyReload } from './control/run-control.js';
export { buildControlApp, startControlServer, CONTROL_BODY_LIMIT, type ControlAppOptions, type RunningControlServer } from './control/control-server.js';
export { resolveControlToken, CONTROL_TOKEN_VARIABLE, FailureLimiter, TokenCheck, type ControlToken } from './control/auth.js';
export { controlApiDocument } from './control/openapi.js';
export { runChangeSchema, runStatusSchema, stopRequestSchema, parseRunChange, type RunChange, type RunStatus } from './control/schemas.js';
export { ControlConflictError, ControlInvalidArgumentError, ControlNotRunningError, ControlServerError } from './control/errors.js';
export { buildReport, STOP_REASONS } from './report.js';
export type { LatencyReport, PartTotals, ReportInput, RunReport, ShardRow, StepReport, StopReason, ThreadReport, WarmupReport } from './report.js';
export type { TimelineEntry } from './timeline.js';
export { compileThresholds, evaluateThresholds, measureThreshold, sourceOfReport, sourceOfSnapshot, ThresholdWatch } from './thresholds.js';
export type { CompiledThreshold, ThresholdResult, ThresholdSource } from './thresholds.js';
export { compileChecks, jsonEquals, runChecks } from './checks.js';
export type { CompiledCheck } from './checks.js';
export { openNdjsonSink } from './ndjson.js';
export type { NdjsonSink } from './ndjson.js';
export { formatSummary, formatBytes, formatMs } from './summary.js';
export { mergeReports } from './merge-reports.js';
export { renderHtmlReport } from './html-report.js';
export { readReportFile, checkReportShape } from './report-file.js';
export { scenarioJob, defaultJob, stepName } from './scenario-job.js';
export { loadScriptJob } from './script-job.js';
export { FailureReasons, reasonOf, withFailureReasons } from './failure-reasons.js';
export { Lifecycle } from './lifecycle.js';
export { checkFdLimit, fdDemandOf, FdLimitError, platformFdLimits } from './fd-limit.js';
export type { FdDemand, FdLimitCheck, FdLimits, FdLimitSystem } from './fd-limit.js';
export type { CloseOutcome } from './lifecycle.js';
export { startMetricsServer } from './metrics-server.js';
export type { MetricsSource, RunningMetricsServer } from './metrics-server.js';
export {
  NdjsonWriteError,
  NoProxiesError,
  NoProxyFileError,
  NoTargetError,
  ReportFileError,
  ReportFormatError,
  ReportParseError,
  RunnerError,
  RunOptionsError,
  ScriptExportError,
  ScriptLoadError,
  ScriptNotFoundError,
  SessionsFailedError,
  StepFailure,
  TemplateError,
  ThreadCrashedError,
} from './errors.js';
