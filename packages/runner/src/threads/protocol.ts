/**
 * Messages between `runThreads()` (the main thread) and its worker threads.
 * Only plain, structured-clonable data crosses: the config, snapshots,
 * timeline entries, reports, error texts.
 */
import type { EngineConfig } from '@session-engine/config';
import type { LogLevel } from '@session-engine/logger';
import type { SavedSession } from '@session-engine/state-store';
import type { RunChange } from '../control/schemas.js';
import type { RunReport, StopReason } from '../report.js';
import type { LiveSnapshot, RunPartition } from '../run.js';
import type { TimelineEntry } from '../timeline.js';
import type { StateLoadedMessage, StateLoadMessage, StateSavedMessage, StateSaveMessage } from './state-relay.js';

/** `workerData` of a thread. */
export interface ThreadData {
  index: number;
  config: EngineConfig;
  partition: RunPartition;
  engine?: string;
  targetLabel?: string;
  logLevel: LogLevel;
  /** Pretty log lines (the main thread's stderr is a terminal). */
  pretty?: boolean;
  /** The main thread draws a status line on stderr: each log line clears that row first. */
  clearStatusLine?: boolean;
  /**
   * A `session_state` file, which the main thread alone writes: the saved state of this thread's
   * sessions (as read at start); the thread saves through `state-save` messages and reads the
   * state of sessions it adds during the run through `state-load`.
   */
  stateFile?: { saved: SavedSession[] };
}

/** Main thread -> worker. */
export type ToThread =
  /** Begin the load at this wall-clock time (ms since the epoch): the same for every thread. */
  | { type: 'start'; at: number }
  /** Stop gracefully (in-flight iterations get graceful_stop, or `gracefulStopMs` from the control API); `reason` is the report's (`signal` for SIGINT). */
  | { type: 'stop'; reason: StopReason; gracefulStopMs?: number }
  /** Apply this thread's part of a live change (`RunControl.update()`); answered with `updated` and the same id. */
  | { type: 'update'; id: number; change: RunChange }
  /** Stop at once. */
  | { type: 'force' }
  /** Re-read the proxy file (SIGHUP). */
  | { type: 'reload'; id: number }
  /** A `state-save` written (or not) to the session state file. */
  | StateSavedMessage
  /** The saved state a `state-load` asked for. */
  | StateLoadedMessage;

/** Worker -> main thread. */
export type FromThread =
  /** Sessions exist; waiting for `start`. */
  | { type: 'ready' }
  /** The cumulative reading, once per timeline_interval (the latest supersedes the earlier ones). */
  | { type: 'snapshot'; snapshot: LiveSnapshot }
  | { type: 'interval'; entry: TimelineEntry }
  | { type: 'report'; report: RunReport }
  /** run() could not start (bad script, no target, ...): the error's message and code. */
  | { type: 'failed'; message: string; code: string }
  | { type: 'reloaded'; id: number; ok: boolean; result?: unknown; message?: string; code?: string }
  /** Save these sessions to the session state file (the main thread writes it). */
  | StateSaveMessage
  /** Read the saved state of sessions added during the run (their ids are outside what the thread was handed). */
  | StateLoadMessage
  /** A change applied (with the thread's active sessions now), or refused with its error. */
  | { type: 'updated'; id: number; ok: true; active: number }
  | { type: 'updated'; id: number; ok: false; message: string; code: string; issues?: { field: string; message: string }[] };
