import { hostname } from 'node:os';
import { redactUrl } from '@session-engine/redact';
import pino from 'pino';
import { createOutput, type DestinationStream } from './destination.js';
import { InvalidOptionError } from './errors.js';
import { LEVEL_VALUES, levelName, levelValue, type LogLevel } from './levels.js';
import { redactFields } from './redact.js';
import { timeFunction, type TimestampPrecision } from './timestamp.js';

/** Structured fields of one log line, e.g. `{ session: 42, status: 503 }`. */
export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  /** Lowest level written. Default `'info'`. */
  level?: LogLevel;
  /**
   * Human-readable single lines (pino-pretty) instead of JSON lines. Default:
   * `true` when the destination is a terminal, `false` otherwise.
   */
  pretty?: boolean;
  /** A stream or a file descriptor. Default: fd 2 (stderr), written synchronously. */
  destination?: DestinationStream | number;
  /** Fields on every line of this logger and its children, e.g. `{ run: 'abc' }`. Redacted once, here. */
  bindings?: object;
  /** `'ms'` (default) or `'us'` (microseconds from the monotonic clock). Both ISO 8601 UTC. */
  timestampPrecision?: TimestampPrecision;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger adding `bindings` to every line; it follows this logger's level until given its own. */
  child(bindings: LogFields): Logger;
  /** Sets this logger's level, and that of its children that have no level of their own. */
  setLevel(level: LogLevel): void;
  /** The level in effect: this logger's own, or else its nearest ancestor's. */
  readonly level: LogLevel;
  isLevelEnabled(level: LogLevel): boolean;
  /** Pushes out anything a buffering destination holds. Writes to fds are synchronous already. */
  flush(): void;
}

const DEBUG = LEVEL_VALUES.debug;
const INFO = LEVEL_VALUES.info;
const WARN = LEVEL_VALUES.warn;
const ERROR = LEVEL_VALUES.error;

/** Creates the engine's root logger. Throws `InvalidLevelError` or `InvalidOptionError` on bad options. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = levelValue(options.level ?? 'info');
  const precision = options.timestampPrecision ?? 'ms';
  if (precision !== 'ms' && precision !== 'us') {
    throw new InvalidOptionError('timestampPrecision', "'ms' or 'us'");
  }
  const bindings = (options.bindings ?? {}) as LogFields;
  if (typeof bindings !== 'object' || bindings === null || Array.isArray(bindings)) {
    throw new InvalidOptionError('bindings', 'a plain object');
  }
  const output = createOutput({ destination: options.destination, pretty: options.pretty });
  const instance = pino(
    {
      // pino itself lets everything through; EngineLogger filters first, so
      // its own level can change without rebuilding pino instances.
      level: 'debug',
      base: { pid: process.pid, hostname: hostname(), ...redactFields(bindings) },
      timestamp: timeFunction(precision),
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already serialised (and redacted) by redactFields; pino's
      // default `err` serializer would re-serialise that plain object.
      serializers: { err: (value: unknown) => value },
    },
    output.stream,
  );
  return new EngineLogger(instance, undefined, threshold);
}

/**
 * One node in a tree of loggers. A node either has its own level or inherits
 * its parent's at every call: the check walks up to the nearest node with a
 * level (one or two steps for per-session children), so `setLevel` on the
 * root reaches every existing child without the root keeping references to
 * them (children come and go with sessions and must stay collectable).
 */
class EngineLogger implements Logger {
  readonly #pino: pino.Logger;
  readonly #parent: EngineLogger | undefined;
  #own: number | undefined;

  constructor(instance: pino.Logger, parent: EngineLogger | undefined, own: number | undefined) {
    this.#pino = instance;
    this.#parent = parent;
    this.#own = own;
  }

  get level(): LogLevel {
    return levelName(this.#threshold());
  }

  setLevel(level: LogLevel): void {
    this.#own = levelValue(level);
  }

  isLevelEnabled(level: LogLevel): boolean {
    const value = LEVEL_VALUES[level] as number | undefined;
    return value !== undefined && value >= this.#threshold();
  }

  // Each method checks the level before touching its arguments: a disabled
  // level costs a comparison, no redaction, no formatting, no allocation.
  debug(msg: string, fields?: LogFields): void {
    if (DEBUG >= this.#threshold()) this.#write(DEBUG, msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    if (INFO >= this.#threshold()) this.#write(INFO, msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    if (WARN >= this.#threshold()) this.#write(WARN, msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    if (ERROR >= this.#threshold()) this.#write(ERROR, msg, fields);
  }

  child(bindings: LogFields): Logger {
    return new EngineLogger(this.#pino.child(redactFields(bindings)), this, undefined);
  }

  flush(): void {
    this.#pino.flush();
  }

  #threshold(): number {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the ancestor chain
    let node: EngineLogger | undefined = this;
    while (node !== undefined) {
      if (node.#own !== undefined) return node.#own;
      node = node.#parent;
    }
    return INFO; // unreachable: the root always has a level
  }

  #write(level: number, msg: string, fields: LogFields | undefined): void {
    const text = redactUrl(String(msg));
    const obj = fields === undefined ? undefined : redactFields(fields);
    // The message goes in as the only argument after the object, so pino
    // never treats "%s" or "%d" in it as printf placeholders.
    switch (level) {
      case DEBUG:
        this.#pino.debug(obj, text);
        break;
      case INFO:
        this.#pino.info(obj, text);
        break;
      case WARN:
        this.#pino.warn(obj, text);
        break;
      default:
        this.#pino.error(obj, text);
    }
  }
}
