/**
 * Progress while a run is going: a live status line on a TTY (redrawn about
 * once a second on stderr, so stdout stays clean for results), or the seed's
 * periodic metrics log line when stderr is not a terminal.
 */
import type { Writable } from 'node:stream';
import { formatMs } from '@session-engine/runner';

export interface ProgressSample {
  /** `warmup` while config `warmup` runs before the window (figures not kept); default `load`. */
  phase?: 'warmup' | 'load';
  elapsedMs: number;
  /** Planned length of the run in ms, 0 when open-ended. */
  totalMs: number;
  /** Completed / planned iterations when the run is bounded by count. */
  iterations: number;
  plannedIterations: number;
  activeSessions: number;
  currentRps: number;
  p99Ms: number;
  total: number;
  failed: number;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function bar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)}s`;
}

export function formatStatusLine(sample: ProgressSample): string {
  let progress: string;
  if (sample.phase === 'warmup') {
    // Its own bar against the warm-up's length, marked so nobody reads these figures as the run's.
    const fraction = sample.totalMs > 0 ? sample.elapsedMs / sample.totalMs : 0;
    progress = `warm-up ${bar(fraction)} ${seconds(sample.elapsedMs)}/${seconds(sample.totalMs)} (not counted)`;
  } else if (sample.totalMs > 0) {
    const fraction = sample.elapsedMs / sample.totalMs;
    progress = `${bar(fraction)} ${seconds(sample.elapsedMs)}/${seconds(sample.totalMs)}`;
  } else if (sample.plannedIterations > 0) {
    const fraction = sample.iterations / sample.plannedIterations;
    progress = `${bar(fraction)} ${integer.format(sample.iterations)}/${integer.format(sample.plannedIterations)} it`;
  } else {
    progress = `${seconds(sample.elapsedMs)} elapsed (Ctrl+C to stop)`;
  }
  return (
    `${progress}  sessions ${integer.format(sample.activeSessions)}  ` +
    `${integer.format(sample.currentRps)} req/s  p99 ${formatMs(sample.p99Ms)}  ` +
    `requests ${integer.format(sample.total)}  errors ${integer.format(sample.failed)}`
  );
}

/** Redraws one status line in place on a terminal stream. */
export class LiveStatusLine {
  readonly #stream: Writable & { columns?: number };
  #drawn = false;
  #last: ProgressSample | undefined;

  constructor(stream: Writable & { columns?: number }) {
    this.#stream = stream;
  }

  draw(sample: ProgressSample): void {
    this.#last = sample;
    let line = formatStatusLine(sample);
    const columns = this.#stream.columns;
    if (columns && line.length > columns - 1) line = line.slice(0, columns - 1);
    this.#stream.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  /** Clears the line so the summary starts on a clean row. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  /** Draws the last sample again (after a log line pushed it up). */
  redraw(): void {
    if (this.#last) this.draw(this.#last);
  }

  /** Stops redrawing (end of run): later log lines stay plain. */
  stop(): void {
    this.clear();
    this.#last = undefined;
  }
}

/**
 * The logger's destination on a terminal: a log line first clears the live
 * status line, then the status line is drawn again below it, so the two never
 * overwrite each other.
 */
export class StatusAwareStream {
  readonly #stream: Writable & { isTTY?: boolean };
  live: LiveStatusLine | undefined;

  constructor(stream: Writable & { isTTY?: boolean }) {
    this.#stream = stream;
  }

  get isTTY(): boolean {
    return this.#stream.isTTY === true;
  }

  write(chunk: string): boolean {
    const live = this.live;
    live?.clear();
    const ok = this.#stream.write(chunk);
    live?.redraw();
    return ok;
  }
}
