/**
 * A worker thread of `runThreads()`: runs `run()` on its share of the run.
 * Its logs go to fd 2 directly (synchronous writes, with a `thread` field),
 * never through console.log, whose output a worker relays asynchronously and
 * can lose when the thread ends.
 */
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@session-engine/logger';
import type { RunChange } from '../control/schemas.js';
import { RunControl } from '../proxy-control.js';
import { run } from '../run.js';
import type { FromThread, ThreadData, ToThread } from './protocol.js';
import { RelayedStateStore } from './state-relay.js';

const port = parentPort;
if (port === null) throw new Error('threads/worker.js runs as a worker thread of runThreads()');
const data = workerData as ThreadData;
const post = (message: FromThread): void => port.postMessage(message);

// Beside the main thread's status line, a line starts by clearing its row ("\r", erase line): one write, still synchronous.
const destination = data.clearStatusLine === true ? { isTTY: isatty(2), write: (line: string) => writeAllToStderr(`\r\x1b[2K${line}`) } : 2;
const logger = createLogger({ level: data.logLevel, destination, bindings: { thread: data.index }, ...(data.pretty !== undefined ? { pretty: data.pretty } : {}) });
const graceful = new AbortController();
const force = new AbortController();
const control = new RunControl();
// A session_state file: read by the main thread, which also writes this thread's saves.
const stateStore =
  data.stateFile !== undefined
    ? new RelayedStateStore(data.config.session_state, data.stateFile.saved, port, {
        first: data.partition.sessionsBefore + 1,
        count: data.config.number_of_sessions,
      })
    : undefined;
let startAt: number | undefined;
let released: (() => void) | undefined;
/** Resolves once run() is past the start gate, when its RunControl is live (or the run ended before). */
let passed: () => void = () => undefined;
const live = new Promise<void>((resolve) => (passed = resolve));

/** Applies a live change through this thread's own RunControl, once it is live, and answers. */
function update(id: number, change: RunChange): void {
  live
    // run() attaches its live control right after the gate, in the same turn: one macrotask later it is there.
    .then(() => new Promise((resolve) => setImmediate(resolve)))
    .then(() => control.update(change))
    .then(
      (status) => post({ type: 'updated', id, ok: true, active: status.sessions.active }),
      (error: unknown) => {
        const issues = (error as { issues?: { field: string; message: string }[] }).issues;
        post({
          type: 'updated',
          id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
          code: String((error as { code?: unknown }).code ?? ''),
          ...(Array.isArray(issues) ? { issues: [...issues] } : {}),
        });
      },
    );
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'start':
      startAt = message.at;
      released?.();
      break;
    case 'stop':
      // A control API stop with its own grace goes through the live control (as one run's would).
      if (message.gracefulStopMs !== undefined && control.running) control.stop({ gracefulStopMs: message.gracefulStopMs });
      else graceful.abort(message.reason);
      released?.();
      break;
    case 'update':
      update(message.id, message.change);
      break;
    case 'force':
      graceful.abort('forced');
      force.abort();
      released?.();
      break;
    case 'reload':
      control.reloadProxies().then(
        (result) => post({ type: 'reloaded', id: message.id, ok: true, result }),
        (error: unknown) =>
          post({ type: 'reloaded', id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), code: String((error as { code?: unknown }).code ?? '') }),
      );
      break;
    case 'state-saved':
    case 'state-loaded':
      stateStore?.settle(message);
      break;
  }
});

/** Ready once the sessions exist; then wait for the one start time (or a stop) and until that instant. */
async function startGate(): Promise<void> {
  post({ type: 'ready' });
  if (startAt === undefined && !graceful.signal.aborted) await new Promise<void>((resolve) => (released = resolve));
  const wait = startAt === undefined ? 0 : startAt - Date.now();
  if (wait > 0 && !graceful.signal.aborted) await new Promise((resolve) => setTimeout(resolve, wait));
  passed();
}

try {
  const report = await run({
    config: data.config,
    partition: data.partition,
    signal: graceful.signal,
    forceSignal: force.signal,
    control,
    logger,
    logMetrics: false,
    startGate,
    ...(stateStore !== undefined ? { stateStore } : {}),
    ...(data.engine !== undefined ? { engine: data.engine } : {}),
    ...(data.targetLabel !== undefined ? { targetLabel: data.targetLabel } : {}),
    onSnapshot: (snapshot) => post({ type: 'snapshot', snapshot }),
    onInterval: (entry) => post({ type: 'interval', entry }),
  });
  logger.flush();
  post({ type: 'report', report });
} catch (error) {
  const code = (error as { code?: unknown })?.code;
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : 'SE_ERR_RUNNER' });
} finally {
  logger.flush();
  passed();
  // Posted messages are already on their way: let the thread end once nothing else holds it.
  port.unref();
}

/** Writes all of `text` to fd 2, as pino's synchronous destination does: partial writes and EAGAIN retried. */
function writeAllToStderr(text: string): void {
  let rest = Buffer.from(text);
  for (let again = 0; rest.length > 0 && again < 1_000; ) {
    try {
      rest = rest.subarray(writeSync(2, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      again++;
    }
  }
}
