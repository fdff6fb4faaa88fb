export { Metrics } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
export { mergeSnapshots } from './snapshot.js';
export type { MetricsSnapshot, StepSnapshot } from './snapshot.js';
export type { LatencySummary } from './latency-histogram.js';
export { formatSnapshotLine } from './format.js';
export { DEFAULT_LATENCY_BUCKETS } from './prometheus.js';
export { MAX_RATE_WINDOW_MS } from './rate-window.js';
export { EmptyMergeError, MetricsArgumentError, MetricsError, SnapshotFormatError } from './errors.js';
