import { performance } from 'node:perf_hooks';

/** `'ms'`: 2026-11-22T10:00:00.123Z; `'us'`: 2026-11-22T10:00:00.123456Z. */
export type TimestampPrecision = 'ms' | 'us';

/** A pino `timestamp` function: returns the `,"time":...` JSON fragment. */
export type TimeFn = () => string;

/**
 * ISO 8601 UTC time with microseconds for the instant `originMs + elapsedMs`
 * (epoch milliseconds, split in two as `performance.timeOrigin` and
 * `performance.now()` give them).
 *
 * Adding the two as floats first would lose the last digits: an epoch in
 * milliseconds already uses 13 of a double's ~16 significant digits. So the
 * whole milliseconds of the origin stay an integer and only the small
 * remainder is rounded to microseconds.
 */
export function isoMicros(originMs: number, elapsedMs: number): string {
  const wholeMs = Math.floor(originMs);
  const restMicros = Math.round((originMs - wholeMs + elapsedMs) * 1000);
  const ms = wholeMs + Math.floor(restMicros / 1000);
  const micros = restMicros % 1000;
  // toISOString() ends in ".mmmZ": keep ".mmm", append the microseconds.
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}Z`;
}

function millisTime(): string {
  return `,"time":"${new Date().toISOString()}"`;
}

function microsTime(): string {
  return `,"time":"${isoMicros(performance.timeOrigin, performance.now())}"`;
}

/**
 * The time function for a precision. Microseconds come from the monotonic
 * clock anchored at `performance.timeOrigin`: they never go backwards, but
 * they do not follow later wall-clock steps (an NTP jump, a VM resume).
 */
export function timeFunction(precision: TimestampPrecision): TimeFn {
  return precision === 'us' ? microsTime : millisTime;
}
