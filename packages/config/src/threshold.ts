import { ThresholdError } from './errors.js';

/**
 * Threshold expressions (`"thresholds": ["p(95)<300ms", "error_rate<1%"]`, `--threshold`): one
 * grammar, used by the schema to validate them and by the runner to evaluate them.
 *
 *   threshold := metric [ "{" "step" ":" name "}" ] op value [ "!" ]
 *   metric    := "p(" number ")" | "avg" | "min" | "max" | "med"    latency
 *              | "error_rate" | "checks"                            rates
 *              | "rps" | "failed" | "total" | "dropped"             throughput and counts
 *   op        := "<" | "<=" | ">" | ">="
 *   value     := number [ unit ]
 *   unit      := "us" | "ms" | "s"   (latency; a bare number is ms)
 *              | "%"                (rates; a bare number is a fraction from 0 to 1)
 *
 * Spaces are allowed between the parts. A trailing `!` also evaluates the threshold every
 * timeline interval and stops the run when it is crossed (abort on fail).
 */

export type ThresholdMetric = 'p' | 'avg' | 'min' | 'max' | 'med' | 'error_rate' | 'checks' | 'rps' | 'failed' | 'total' | 'dropped';
export type ThresholdOperator = '<' | '<=' | '>' | '>=';

/** A parsed threshold expression. */
export interface ParsedThreshold {
  /** The expression as given, trimmed. */
  readonly expression: string;
  readonly metric: ThresholdMetric;
  /** For `p(N)`: N, from 0 to 100. */
  readonly percentile?: number;
  /** `{step:<name>}`: the scenario step (or script step) the metric is read from. */
  readonly step?: string;
  readonly operator: ThresholdOperator;
  /** The bound, normalised: milliseconds for latency, a fraction (0 to 1) for rates, else as written. */
  readonly value: number;
  /** Written with a trailing `!`. */
  readonly abortOnFail: boolean;
}

/** The grammar in one line, shown with every parse error. */
export const THRESHOLD_GRAMMAR =
  'a threshold is <metric>[{step:<name>}] <op> <value>[!]: metric p(N), avg, min, max, med (latency: us, ms or s; bare = ms), ' +
  'error_rate, checks (% or a fraction), rps, failed, total, dropped; op <, <=, >, >=; e.g. "p(95)<300ms", "p(99){step:login}<1s", "error_rate<1%", "rps>=1000"';

const LATENCY: ReadonlySet<string> = new Set(['p', 'avg', 'min', 'max', 'med']);
const RATES: ReadonlySet<string> = new Set(['error_rate', 'checks']);
const NAMED = ['avg', 'min', 'max', 'med', 'error_rate', 'checks', 'rps', 'failed', 'total', 'dropped'] as const;
const LATENCY_UNITS: ReadonlySet<string> = new Set(['us', 'ms', 's']);
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)/;
const MAX_SHOWN = 120;

/** The kind of a metric: how its value is written and what `value` holds. */
export function thresholdMetricKind(metric: ThresholdMetric): 'latency' | 'rate' | 'count' {
  if (LATENCY.has(metric)) return 'latency';
  if (RATES.has(metric)) return 'rate';
  return 'count';
}

function fail(expression: string, offset: number, problem: string): never {
  const shown = expression.length > MAX_SHOWN ? `${expression.slice(0, MAX_SHOWN - 3)}...` : expression;
  const caret = offset <= MAX_SHOWN ? `\n    ${shown}\n    ${' '.repeat(Math.min(offset, shown.length))}^` : '';
  throw new ThresholdError(
    `invalid threshold ${JSON.stringify(shown)} at position ${offset + 1}: ${problem}${caret}\n    ${THRESHOLD_GRAMMAR}`,
    expression,
    offset,
  );
}

/** A readable name for what is at `index`: `"<<"`, or `the end`. */
function found(text: string, index: number): string {
  if (index >= text.length) return 'the end';
  return JSON.stringify(text.slice(index, index + 8).split(/\s/)[0] || text[index]);
}

/**
 * Parses a threshold expression: `"p(95){step:login} < 300ms!"` ->
 * `{ metric: 'p', percentile: 95, step: 'login', operator: '<', value: 300, abortOnFail: true }`.
 * @throws ThresholdError (code `SE_ERR_CONFIG_THRESHOLD`) saying what is wrong, at which position
 *   (with a caret under it) and the grammar
 */
export function parseThreshold(input: string): ParsedThreshold {
  if (typeof input !== 'string') fail(String(input), 0, `expected a string, got ${typeof input}`);
  const text = input.trim();
  if (text === '') fail(text, 0, 'it is empty');
  let at = 0;
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
  };

  // metric
  let metric: ThresholdMetric;
  let percentile: number | undefined;
  if (text.startsWith('p(', at)) {
    at += 2;
    skip();
    const digits = NUMBER.exec(text.slice(at))?.[0];
    if (digits === undefined) fail(text, at, `expected a percentile from 0 to 100 inside p(...), found ${found(text, at)}; e.g. p(95), p(99.9)`);
    percentile = Number(digits);
    if (percentile > 100) fail(text, at, `percentile ${digits} is above 100; write p(N) with N from 0 to 100, e.g. p(99.9)`);
    at += digits.length;
    skip();
    if (text[at] !== ')') fail(text, at, `expected ")" to close p(${digits}, found ${found(text, at)}`);
    at += 1;
    metric = 'p';
  } else {
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at))?.[0];
    if (word === undefined) fail(text, at, `expected a metric name, found ${found(text, at)}`);
    const known = (NAMED as readonly string[]).includes(word) ? (word as ThresholdMetric) : undefined;
    if (known === undefined) {
      const hint = /^p\d+(\.\d+)?$/.test(word) ? `; write percentiles as p(${word.slice(1)})` : word === 'p' ? '; write percentiles as p(N), e.g. p(95)' : '';
      fail(text, at, `unknown metric "${word}"${hint}; metrics are p(N), ${NAMED.join(', ')}`);
    }
    metric = known;
    at += word.length;
  }
  skip();

  // {step:<name>}
  let step: string | undefined;
  if (text[at] === '{') {
    const open = at;
    const close = text.indexOf('}', at);
    if (close < 0) fail(text, open, 'the "{" is not closed; write {step:<name>}');
    const inner = text.slice(at + 1, close);
    const match = /^\s*step\s*:(.*)$/s.exec(inner);
    if (match === null) fail(text, open + 1, `expected "step:<name>" inside {...}, found ${JSON.stringify(inner)}; the only filter is {step:<name>}`);
    step = match[1]!.trim();
    if (step === '') fail(text, close, 'the step name is empty; write {step:<name>}, e.g. {step:login}');
    if (metric === 'dropped') fail(text, open, '"dropped" has no per-step value (starts are dropped before any step); remove {step:...}');
    at = close + 1;
    skip();
  }

  // op
  let operator: ThresholdOperator;
  if (text.startsWith('<=', at) || text.startsWith('>=', at)) operator = text.slice(at, at + 2) as ThresholdOperator;
  else if (text[at] === '<' || text[at] === '>') operator = text[at] as ThresholdOperator;
  else if (text[at] === '=' || text.startsWith('!=', at)) fail(text, at, `"${text.startsWith('==', at) ? '==' : text[at] === '=' ? '=' : '!='}" is not an operator; use <, <=, > or >=`);
  else fail(text, at, `expected an operator (<, <=, > or >=), found ${found(text, at)}`);
  at += operator.length;
  skip();

  // value [unit]
  if (text[at] === '-') fail(text, at, 'the value cannot be negative');
  const digits = NUMBER.exec(text.slice(at))?.[0];
  if (digits === undefined) fail(text, at, `expected a number after "${operator}", found ${found(text, at)}`);
  const unitAt = at + digits.length;
  at = unitAt;
  skip();
  const unit = /^(?:[A-Za-zµ]+|%)/.exec(text.slice(at))?.[0] ?? '';
  const kind = thresholdMetricKind(metric);
  let value = Number(digits);
  const name = metric === 'p' ? `p(${percentile})` : metric;
  if (kind === 'latency') {
    if (unit !== '') {
      if (!LATENCY_UNITS.has(unit)) fail(text, at, `"${unit}" is not a latency unit; use us, ms or s (a bare number is ms)`);
      // Divided, not multiplied by 0.001: 300us is exactly 0.3 ms.
      if (unit === 'us') value /= 1000;
      else if (unit === 's') value *= 1000;
    }
  } else if (kind === 'rate') {
    if (unit === '%') {
      if (value > 100) fail(text, unitAt - digits.length, `${digits}% is above 100%`);
      value /= 100;
    } else if (unit !== '') {
      fail(text, at, `"${unit}" is not a unit of ${name}; write a percentage (1%) or a fraction (0.01)`);
    } else if (value > 1) {
      fail(text, unitAt - digits.length, `${name} is a fraction from 0 to 1 or a percentage; write ${digits}% or ${value / 100}`);
    }
  } else if (unit !== '') {
    fail(text, at, `${name} takes a plain number, without a unit; found "${unit}"`);
  }
  at += unit.length;
  skip();

  // [!]
  let abortOnFail = false;
  if (text[at] === '!') {
    abortOnFail = true;
    at += 1;
    skip();
  }
  if (at < text.length) fail(text, at, `unexpected ${found(text, at)} after the value${abortOnFail ? ' and "!"' : ''}`);

  return {
    expression: text,
    metric,
    ...(percentile !== undefined ? { percentile } : {}),
    ...(step !== undefined ? { step } : {}),
    operator,
    value,
    abortOnFail,
  };
}

/** Whether `measured` satisfies the threshold's bound (`p(95)<300ms` holds for 250). */
export function thresholdHolds(threshold: Pick<ParsedThreshold, 'operator' | 'value'>, measured: number): boolean {
  switch (threshold.operator) {
    case '<':
      return measured < threshold.value;
    case '<=':
      return measured <= threshold.value;
    case '>':
      return measured > threshold.value;
    case '>=':
      return measured >= threshold.value;
  }
}
