import { isatty } from 'node:tty';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { InvalidOptionError } from './errors.js';

/**
 * Where log lines go: anything with a `write(string)` method (a Node
 * `Writable`, a `SonicBoom`, a test double). A stream with `isTTY === true`
 * counts as a terminal for the pretty/colour defaults.
 */
export interface DestinationStream {
  write(chunk: string): unknown;
}

/** stderr: stdout stays free for the engine's results. */
export const DEFAULT_FD = 2;

export interface OutputOptions {
  destination: DestinationStream | number | undefined;
  pretty: boolean | undefined;
}

export interface Output {
  readonly stream: pino.DestinationStream;
  readonly pretty: boolean;
}

/** Validates the destination and builds the stream pino writes JSON lines to. */
export function createOutput(options: OutputOptions): Output {
  const { destination, pretty } = options;
  if (pretty !== undefined && typeof pretty !== 'boolean') {
    throw new InvalidOptionError('pretty', 'a boolean');
  }
  const target = openTarget(destination);
  const tty = isTerminal(destination);
  const usePretty = pretty ?? tty;
  if (!usePretty) return { stream: target, pretty: false };
  return { stream: new PrettyStream(target, tty && !noColor()), pretty: true };
}

function openTarget(destination: DestinationStream | number | undefined): pino.DestinationStream {
  if (destination === undefined) return syncFd(DEFAULT_FD);
  if (typeof destination === 'number') {
    if (!Number.isInteger(destination) || destination < 0) {
      throw new InvalidOptionError('destination', 'a writable stream or a file descriptor (integer >= 0)');
    }
    return syncFd(destination);
  }
  if (typeof destination !== 'object' || destination === null || typeof destination.write !== 'function') {
    throw new InvalidOptionError('destination', 'a writable stream or a file descriptor (integer >= 0)');
  }
  return destination as pino.DestinationStream;
}

/**
 * Synchronous writes: a line is on the fd when the log call returns, so
 * nothing is lost on `process.exit()` or a crash, and a slow reader slows the
 * writer instead of growing a buffer without bound.
 */
function syncFd(fd: number): pino.DestinationStream {
  return pino.destination({ dest: fd, sync: true });
}

function isTerminal(destination: DestinationStream | number | undefined): boolean {
  if (destination === undefined) return process.stderr.isTTY === true;
  if (typeof destination === 'number') return isatty(destination);
  return (destination as { isTTY?: unknown }).isTTY === true;
}

/** https://no-color.org: set and not empty disables colour. */
function noColor(): boolean {
  const value = process.env['NO_COLOR'];
  return value !== undefined && value !== '';
}

/**
 * pino-pretty in the writing thread, synchronously: each JSON line pino
 * produces is formatted and written before the log call returns. No worker
 * transport, and no stream pipeline to end or break: the target may be any
 * object with `write`.
 */
class PrettyStream implements pino.DestinationStream {
  readonly #format: (line: string) => string;
  readonly #target: pino.DestinationStream;

  constructor(target: pino.DestinationStream, colorize: boolean) {
    this.#target = target;
    this.#format = prettyFactory({
      colorize,
      singleLine: true,
      // The engine's timestamps are already ISO 8601 (maybe with microseconds): print them as they are.
      translateTime: false,
      ignore: 'pid,hostname',
    });
  }

  write(line: string): void {
    this.#target.write(this.#format(line));
  }

  flush(callback: (error?: Error) => void): void {
    const target = this.#target as { flush?: (callback: (error?: Error) => void) => void };
    if (typeof target.flush === 'function') target.flush(callback);
    else callback();
  }
}
