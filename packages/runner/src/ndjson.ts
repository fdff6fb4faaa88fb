/**
 * Streamed results: one JSON line per timeline interval, written as the
 * interval ends, then one line with the whole report. Each line is appended
 * with one synchronous write, so a process killed at any moment (SIGKILL
 * included) leaves every finished interval on disk, each on a whole line.
 *
 *   {"type":"interval","t":0,"requests":812,"failed":0,"rps":812,...,"hdr":"HISTFAAA..."}
 *   {"type":"interval","t":1,...}
 *   {"type":"report","engine":"0.1.0","reason":"duration",...,"thresholds":[...]}
 *
 * ```ts
 * const sink = openNdjsonSink('results.ndjson');
 * try {
 *   const report = await run({ config, onInterval: (entry) => sink.interval(entry) });
 *   sink.report(report);
 * } finally {
 *   sink.close();
 * }
 * ```
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { NdjsonWriteError } from './errors.js';
import type { RunReport } from './report.js';
import type { TimelineEntry } from './timeline.js';

/** Where streamed results go: `interval()` once per timeline entry, `report()` once at the end. */
export interface NdjsonSink {
  readonly path: string;
  /** Appends `{"type":"interval", ...entry}` as one line. */
  interval(entry: TimelineEntry): void;
  /** Appends `{"type":"report", ...report}` as the last line. */
  report(report: RunReport): void;
  /** Closes the file; further writes throw. Idempotent. */
  close(): void;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class FileNdjsonSink implements NdjsonSink {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  interval(entry: TimelineEntry): void {
    this.#line({ type: 'interval', ...entry });
  }

  report(report: RunReport): void {
    this.#line({ type: 'report', ...report });
  }

  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  #line(value: object): void {
    if (this.#fd === undefined) throw new NdjsonWriteError(`NDJSON results file ${this.path} is closed`, this.path);
    const bytes = Buffer.from(`${JSON.stringify(value)}\n`);
    try {
      // One write of the whole line (looped only if the kernel takes part of it).
      let written = 0;
      while (written < bytes.length) written += writeSync(this.#fd, bytes, written);
    } catch (error) {
      throw new NdjsonWriteError(`could not write to the NDJSON results file ${this.path}: ${reason(error)}`, this.path, { cause: error });
    }
  }
}

/**
 * Creates (or truncates) `path` for streamed results.
 * @throws NdjsonWriteError (`SE_ERR_RUNNER_NDJSON_WRITE`) when the file cannot be created
 */
export function openNdjsonSink(path: string): NdjsonSink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new NdjsonWriteError(`could not create the NDJSON results file ${path}: ${reason(error)}; check that the directory exists and is writable`, path, { cause: error });
  }
  return new FileNdjsonSink(path, fd);
}
