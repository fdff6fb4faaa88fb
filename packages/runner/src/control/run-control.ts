/**
 * `RunControl`: acts on a run while it goes on, from a program (no HTTP
 * needed) or through the control API, which is a thin layer over it. Like an
 * AbortController it is made by the caller and passed as `run({ control })`;
 * it works from the moment `run()` has started the load until `run()` ends.
 */
import type { ProxyReloadResult } from '@session-engine/proxy';
import type { RunReport } from '../report.js';
import { NoProxyFileError } from '../errors.js';
import { ControlNotRunningError } from './errors.js';
import type { RunChange, RunStatus } from './schemas.js';

/** What `RunControl.reloadProxies()` resolves with: the proxy file's lines now, proxies added and removed. */
export type ProxyReload = ProxyReloadResult & { readonly file: string };

/** What `run()` hands a RunControl while the run goes on. */
export interface LiveRun {
  status(): RunStatus;
  update(change: RunChange): Promise<RunStatus>;
  stop(options: { gracefulStopMs?: number | undefined }): { graceful_stop_ms: number };
  report(): RunReport;
}

type Reloader = () => Promise<ProxyReload>;
let attachReload: (control: RunControl, reloader: Reloader | undefined) => void;
let attachLive: (control: RunControl, live: LiveRun | undefined) => void;

export class RunControl {
  #reload: Reloader | undefined;
  #live: LiveRun | undefined;

  /** True while the run can be steered (after start-up, until `run()` resolves). */
  get running(): boolean {
    return this.#live !== undefined;
  }

  /**
   * Re-reads `proxy_file` and swaps the list in without stopping the run:
   * proxies still listed keep their health, sessions on removed ones move to
   * the next healthy proxy. Rejects with the proxy package's error (a bad
   * line, an unreadable or emptied file: the current list stays) or
   * `NoProxyFileError` when the run has no proxy file or is not running.
   */
  reloadProxies(): Promise<ProxyReload> {
    if (this.#reload === undefined) return Promise.reject(new NoProxyFileError());
    return this.#reload();
  }

  /** The run now: state, model, sessions, rate, totals, latency, errors. Throws `ControlNotRunningError` outside a run. */
  status(): RunStatus {
    return this.#running().status();
  }

  /**
   * Changes the run: any of `sessions`, `rate` (open model), `paused`,
   * `log_level`. Every field is checked before any is applied; resolves with
   * the status after the change (new sessions created; sessions scaled down
   * are retired and closed in the background, within graceful_stop). Rejects
   * with `ControlInvalidArgumentError` (a bad value, the config's message),
   * `ControlConflictError` (`rate` in the closed model, or the run is
   * stopping) or `ControlNotRunningError`.
   */
  update(change: RunChange): Promise<RunStatus> {
    try {
      return this.#running().update(change);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops the run like the first SIGINT: no new iterations, in-flight ones get
   * `gracefulStopMs` (default: the config's graceful_stop) to finish, then
   * `run()` resolves with the report (reason `stopped`). Idempotent; a later
   * call cannot lengthen the grace already running.
   */
  stop(options: { gracefulStopMs?: number } = {}): { graceful_stop_ms: number } {
    return this.#running().stop(options);
  }

  /** The report so far, the same shape `run()` resolves with (and `engine run --json` prints). */
  report(): RunReport {
    return this.#running().report();
  }

  #running(): LiveRun {
    if (this.#live === undefined) throw new ControlNotRunningError();
    return this.#live;
  }

  static {
    attachReload = (control, reloader) => {
      control.#reload = reloader;
    };
    attachLive = (control, live) => {
      control.#live = live;
    };
  }
}

/** Wires a proxy reload into a control (undefined: detaches it). */
export function attachProxyReload(control: RunControl, reloader: Reloader | undefined): void {
  attachReload(control, reloader);
}

/** Wires a running run into a control (undefined: the run ended). */
export function attachLiveRun(control: RunControl, live: LiveRun | undefined): void {
  attachLive(control, live);
}
