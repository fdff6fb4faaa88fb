import { EmptyMergeError, SnapshotFormatError } from './errors.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LatencySummary } from './latency-histogram.js';
import { DROP_CAUSES, type CheckCounts, type DropCause } from './metrics-state.js';

/** Per-step figures inside a snapshot. */
export interface StepSnapshot {
  total: number;
  success: number;
  failed: number;
  latency: LatencySummary;
  /** The step's HDR histogram (microseconds), V2 compressed and base64 encoded. */
  histogram: string;
}

/** A plain, JSON-serialisable reading of a Metrics instance. Latencies in milliseconds. */
export interface MetricsSnapshot {
  /** Wall-clock start of the recording (ISO 8601, UTC). */
  started_at: string;
  elapsed_ms: number;
  total: number;
  success: number;
  failed: number;
  retries: number;
  /** Open-model starts not issued. */
  dropped: number;
  /** `dropped` by cause: `no_idle_session` (every session busy or paused), `pool_full` (the pool's queue was full); adds up to `dropped`. */
  dropped_by_cause: Record<DropCause, number>;
  bytes_received: number;
  /** total / elapsed seconds. */
  rps: number;
  /** Completed requests per second over the recent window (10 s by default). */
  current_rps: number;
  active_sessions: number;
  /** Responses by HTTP status code, keys are the codes as strings. */
  status_codes: Record<string, number>;
  /** Failures by kind. */
  errors: Record<string, number>;
  latency: LatencySummary;
  steps: Record<string, StepSnapshot>;
  /** Checks by name (`<step>.<name>` for scenario checks): passes and fails. */
  checks: Record<string, CheckCounts>;
  /** The overall HDR histogram (microseconds), V2 compressed and base64 encoded. */
  histogram: string;
}

/** Lifetime throughput; the one formula both snapshots and merges use. */
export function lifetimeRate(total: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (total * 1000) / elapsedMs : 0;
}

export function stepSnapshot(success: number, failed: number, histogram: LatencyHistogram): StepSnapshot {
  return {
    total: success + failed,
    success,
    failed,
    latency: histogram.summary(),
    histogram: histogram.encode(),
  };
}

/**
 * Sets an own, enumerable property even for a key like `__proto__`, which a
 * plain assignment would swallow (error kinds and step names are caller text).
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function sortedRecord(entries: Iterable<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    setOwn(out, key, value);
  }
  return out;
}

/** Copies a count map into a plain object with keys in a stable order. */
export function toSortedRecord(map: ReadonlyMap<string, number>): Record<string, number> {
  return sortedRecord(map);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const COUNT_FIELDS = [
  'elapsed_ms',
  'success',
  'failed',
  'retries',
  'dropped',
  'bytes_received',
  'current_rps',
  'active_sessions',
] as const;

function checkCounts(where: string, record: unknown): Record<string, number> {
  if (!isRecord(record)) throw new SnapshotFormatError(`${where} is not an object`);
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SnapshotFormatError(`${where}.${key} is not a finite number`);
    }
  }
  return record as Record<string, number>;
}

function decode(where: string, encoded: unknown): LatencyHistogram {
  if (typeof encoded !== 'string') throw new SnapshotFormatError(`${where} is not a string`);
  try {
    return LatencyHistogram.decode(encoded);
  } catch (cause) {
    throw new SnapshotFormatError(`${where} is not an encoded HDR histogram`, { cause });
  }
}

function checkSnapshot(snapshot: unknown, index: number): MetricsSnapshot {
  const where = `snapshot ${index}`;
  if (!isRecord(snapshot)) throw new SnapshotFormatError(`${where} is not an object`);
  for (const field of COUNT_FIELDS) {
    const value = snapshot[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SnapshotFormatError(`${where}.${field} is not a finite number`);
    }
  }
  if (typeof snapshot['started_at'] !== 'string' || Number.isNaN(Date.parse(snapshot['started_at']))) {
    throw new SnapshotFormatError(`${where}.started_at is not a date string`);
  }
  // Snapshots from before the field have none: their drops count as no_idle_session, the only cause then.
  if (snapshot['dropped_by_cause'] !== undefined) checkCounts(`${where}.dropped_by_cause`, snapshot['dropped_by_cause']);
  checkCounts(`${where}.status_codes`, snapshot['status_codes']);
  checkCounts(`${where}.errors`, snapshot['errors']);
  const steps = snapshot['steps'];
  if (!isRecord(steps)) throw new SnapshotFormatError(`${where}.steps is not an object`);
  for (const [name, step] of Object.entries(steps)) {
    if (!isRecord(step)) throw new SnapshotFormatError(`${where}.steps.${name} is not an object`);
    checkCounts(`${where}.steps.${name}`, { success: step['success'], failed: step['failed'] });
  }
  // Snapshots from before checks have none.
  const checks = snapshot['checks'];
  if (checks !== undefined) {
    if (!isRecord(checks)) throw new SnapshotFormatError(`${where}.checks is not an object`);
    for (const [name, counts] of Object.entries(checks)) {
      if (!isRecord(counts)) throw new SnapshotFormatError(`${where}.checks.${name} is not an object`);
      checkCounts(`${where}.checks.${name}`, { passes: counts['passes'], fails: counts['fails'] });
    }
  }
  return snapshot as unknown as MetricsSnapshot;
}

function addCounts(target: Map<string, number>, source: Record<string, number>): void {
  for (const [key, value] of Object.entries(source)) target.set(key, (target.get(key) ?? 0) + value);
}

/** Adds check counts into `into` (exact: counts add). Shared by snapshot and report merges. */
export function addChecks(into: Map<string, CheckCounts>, checks: Readonly<Record<string, CheckCounts>>): void {
  for (const [name, counts] of Object.entries(checks)) {
    const merged = into.get(name);
    if (merged === undefined) into.set(name, { passes: counts.passes, fails: counts.fails });
    else {
      merged.passes += counts.passes;
      merged.fails += counts.fails;
    }
  }
}

/** Check counts as a plain object, names in a stable order. */
export function checkRecord(checks: ReadonlyMap<string, CheckCounts>): Record<string, CheckCounts> {
  const out: Record<string, CheckCounts> = {};
  for (const name of [...checks.keys()].sort()) setOwn(out, name, { ...(checks.get(name) as CheckCounts) });
  return out;
}

/**
 * Merges snapshots of instances that ran side by side (workers, processes,
 * machines) exactly: counts add, histograms are decoded and added, and every
 * percentile is recomputed from the merged histogram. `elapsed_ms` is the
 * longest, `started_at` the earliest, `rps` is recomputed from the merged
 * total and elapsed time; `current_rps` and `active_sessions` add up.
 */
export function mergeSnapshots(...snapshots: MetricsSnapshot[]): MetricsSnapshot {
  if (snapshots.length === 0) throw new EmptyMergeError();
  const checked = snapshots.map(checkSnapshot);

  let startedAt = '';
  let startedAtMs = Number.POSITIVE_INFINITY;
  let elapsedMs = 0;
  let success = 0;
  let failed = 0;
  let retries = 0;
  let dropped = 0;
  const droppedByCause: Record<DropCause, number> = { no_idle_session: 0, pool_full: 0 };
  let bytes = 0;
  let currentRps = 0;
  let active = 0;
  const statuses = new Map<string, number>();
  const errors = new Map<string, number>();
  const histogram = LatencyHistogram.create();
  const steps = new Map<string, { success: number; failed: number; histogram: LatencyHistogram }>();
  const checks = new Map<string, CheckCounts>();

  checked.forEach((s, i) => {
    const at = Date.parse(s.started_at);
    if (at < startedAtMs) {
      startedAtMs = at;
      startedAt = s.started_at;
    }
    elapsedMs = Math.max(elapsedMs, s.elapsed_ms);
    success += s.success;
    failed += s.failed;
    retries += s.retries;
    dropped += s.dropped;
    const byCause = s.dropped_by_cause ?? { no_idle_session: s.dropped, pool_full: 0 };
    for (const cause of DROP_CAUSES) droppedByCause[cause] += byCause[cause] ?? 0;
    bytes += s.bytes_received;
    currentRps += s.current_rps;
    active += s.active_sessions;
    addCounts(statuses, s.status_codes);
    addCounts(errors, s.errors);
    histogram.add(decode(`snapshot ${i}.histogram`, s.histogram));
    for (const [name, step] of Object.entries(s.steps)) {
      let merged = steps.get(name);
      if (merged === undefined) {
        merged = { success: 0, failed: 0, histogram: LatencyHistogram.create() };
        steps.set(name, merged);
      }
      merged.success += step.success;
      merged.failed += step.failed;
      merged.histogram.add(decode(`snapshot ${i}.steps.${name}.histogram`, step.histogram));
    }
    addChecks(checks, s.checks ?? {});
  });

  const stepRecord: Record<string, StepSnapshot> = {};
  for (const name of [...steps.keys()].sort()) {
    const step = steps.get(name) as { success: number; failed: number; histogram: LatencyHistogram };
    setOwn(stepRecord, name, stepSnapshot(step.success, step.failed, step.histogram));
  }

  const total = success + failed;
  return {
    started_at: startedAt,
    elapsed_ms: elapsedMs,
    total,
    success,
    failed,
    retries,
    dropped,
    dropped_by_cause: droppedByCause,
    bytes_received: bytes,
    rps: lifetimeRate(total, elapsedMs),
    current_rps: currentRps,
    active_sessions: active,
    status_codes: sortedRecord(statuses),
    errors: sortedRecord(errors),
    latency: histogram.summary(),
    steps: stepRecord,
    checks: checkRecord(checks),
    histogram: histogram.encode(),
  };
}
