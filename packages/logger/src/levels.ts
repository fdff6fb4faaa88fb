import { InvalidLevelError } from './errors.js';

/** The engine's log levels, most verbose first. Same names as `log_level` in the config. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error']);

/**
 * pino's numeric values for our levels. Comparing numbers keeps the
 * "is this level on?" check to one lookup and one comparison.
 */
export const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = Object.freeze({
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
});

export function levelName(value: number): LogLevel {
  if (value <= LEVEL_VALUES.debug) return 'debug';
  if (value <= LEVEL_VALUES.info) return 'info';
  if (value <= LEVEL_VALUES.warn) return 'warn';
  return 'error';
}

export function isLogLevel(value: unknown): value is LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error';
}

/** Numeric value of `level`; throws `InvalidLevelError` for anything else. */
export function levelValue(level: unknown): number {
  if (!isLogLevel(level)) throw new InvalidLevelError(level);
  return LEVEL_VALUES[level];
}
