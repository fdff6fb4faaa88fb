import { ConfigValidationError } from './errors.js';

/**
 * Durations, as the seed's Go `time.Duration` encodes them: a JSON number is
 * nanoseconds (`30000000000` = 30 s), a string carries its unit ("30s", "1m30s").
 * The parsed value is always milliseconds.
 */

const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign, as Go prints it
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const NS_PER_MS = 1e6;
const PART = /(\d*)(?:\.(\d*))?([a-zµμ]+)/y;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const UNIT_HINT = 'use a number with a unit (ns, us, ms, s, m, h), e.g. "30s", "250ms", "1m30s"';

/** Parses without throwing; the message says how to fix the value. */
export function tryParseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') return fromNanoseconds(value);
  if (typeof value !== 'string') {
    return { ok: false, message: `a duration must be a string like "30s" or a number of nanoseconds; ${UNIT_HINT}` };
  }
  const text = value.trim();
  if (text === '') return { ok: false, message: `a duration cannot be empty; ${UNIT_HINT}` };
  if (text === '0') return { ok: true, ms: 0 };
  if (text.startsWith('-')) return { ok: false, message: `"${value}" is negative; durations must be ≥ 0` };
  if (/^\d+(\.\d+)?$/.test(text)) {
    return { ok: false, message: `"${value}" has no unit; write "${text}ms" or "${text}s" (only a JSON number means nanoseconds)` };
  }
  let ns = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2];
    const unit = match?.[3] ?? '';
    if (match === null || (whole === '' && (fraction === undefined || fraction === ''))) {
      return { ok: false, message: `"${value}" is not a duration (at "${text.slice(start)}"); ${UNIT_HINT}` };
    }
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined) {
      return { ok: false, message: `"${value}" has an unknown unit "${unit}"; ${UNIT_HINT}` };
    }
    // Whole and fractional parts apart, so "1.1s" is exactly 1100 ms.
    ns += Number(whole === '' ? '0' : whole) * scale;
    if (fraction !== undefined && fraction !== '') ns += Math.round(Number(`0.${fraction}`) * scale);
  }
  if (!Number.isSafeInteger(ns)) return { ok: false, message: `"${value}" is too large` };
  return { ok: true, ms: ns / NS_PER_MS };
}

function fromNanoseconds(ns: number): DurationResult {
  if (!Number.isFinite(ns) || !Number.isInteger(ns) || ns < 0) {
    return {
      ok: false,
      message: `${String(ns)} is not a duration: a number means whole nanoseconds ≥ 0 (30000000000 = 30s); or ${UNIT_HINT}`,
    };
  }
  if (!Number.isSafeInteger(ns)) return { ok: false, message: `${ns} nanoseconds is too large` };
  return { ok: true, ms: ns / NS_PER_MS };
}

/**
 * Converts a duration to milliseconds: a number is nanoseconds (seed compatible),
 * a string has a unit (`"30s"`, `"250ms"`, `"1.5s"`, `"1m30s"`, `"1h"`).
 * @throws ConfigValidationError (code `SE_ERR_CONFIG_INVALID`, issue code `invalid_duration`)
 */
export function parseDuration(value: string | number): number {
  const result = tryParseDuration(value);
  if (!result.ok) throw new ConfigValidationError([{ path: '', code: 'invalid_duration', message: result.message }]);
  return result.ms;
}

/** Formats milliseconds compactly, in a form `parseDuration` reads back: `1m30s`, `250ms`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`formatDuration expects milliseconds ≥ 0, got ${ms}`);
  if (ms === 0) return '0s';
  if (ms < 1) return `${trim(ms * 1000)}us`;
  if (ms < 1000) return `${trim(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${trim(seconds)}s` : ''}`;
}

/** Drops float noise (0.1 + 0.2) without losing real digits down to a nanosecond. */
function trim(value: number): string {
  return String(Number(value.toFixed(6)));
}
