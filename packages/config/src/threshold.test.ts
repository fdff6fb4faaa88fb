import { describe, expect, it } from 'vitest';
import { ThresholdError } from './errors.js';
import { parseThreshold, thresholdHolds, THRESHOLD_GRAMMAR } from './threshold.js';

function failure(expression: string): ThresholdError {
  try {
    parseThreshold(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(ThresholdError);
    return error as ThresholdError;
  }
  throw new Error(`${expression} parsed`);
}

describe('parseThreshold', () => {
  it.each([
    ['p(95)<300ms', { metric: 'p', percentile: 95, operator: '<', value: 300 }],
    ['p(99.9) <= 1.5s', { metric: 'p', percentile: 99.9, operator: '<=', value: 1500 }],
    ['p(0)>=250us', { metric: 'p', percentile: 0, operator: '>=', value: 0.25 }],
    ['p(100)<2', { metric: 'p', percentile: 100, operator: '<', value: 2 }],
    ['avg<200', { metric: 'avg', value: 200 }],
    ['min > 1ms', { metric: 'min', operator: '>', value: 1 }],
    ['max<10s', { metric: 'max', value: 10_000 }],
    ['med<300us', { metric: 'med', value: 0.3 }],
    ['error_rate<1%', { metric: 'error_rate', value: 0.01 }],
    ['error_rate<=0.05', { metric: 'error_rate', operator: '<=', value: 0.05 }],
    ['checks>99%', { metric: 'checks', operator: '>', value: 0.99 }],
    ['rps>=1000', { metric: 'rps', operator: '>=', value: 1000 }],
    ['failed<1', { metric: 'failed', value: 1 }],
    ['total>=500', { metric: 'total', value: 500 }],
    ['dropped<=0', { metric: 'dropped', operator: '<=', value: 0 }],
  ])('%s', (expression, expected) => {
    expect(parseThreshold(expression)).toMatchObject({ expression, abortOnFail: false, ...expected });
  });

  it('reads a step filter, spaces between the parts and a trailing "!"', () => {
    expect(parseThreshold('  p(99){step: 2. GET /api/me } < 1s ! ')).toEqual({
      expression: 'p(99){step: 2. GET /api/me } < 1s !',
      metric: 'p',
      percentile: 99,
      step: '2. GET /api/me',
      operator: '<',
      value: 1000,
      abortOnFail: true,
    });
    expect(parseThreshold('error_rate{step:login}<5%!')).toMatchObject({ step: 'login', value: 0.05, abortOnFail: true });
  });

  it.each([
    ['', 1, 'it is empty'],
    ['p95<300ms', 1, 'unknown metric "p95"; write percentiles as p(95)'],
    ['latency<300', 1, 'unknown metric "latency"'],
    ['p(95<300', 5, 'expected ")" to close p(95'],
    ['p(101)<1s', 3, 'percentile 101 is above 100'],
    ['p()<1s', 3, 'expected a percentile'],
    ['p(95)=300ms', 6, '"=" is not an operator'],
    ['p(95)==300ms', 6, '"==" is not an operator'],
    ['p(95)300ms', 6, 'expected an operator (<, <=, > or >=), found "300ms"'],
    ['p(95)<<300ms', 7, 'expected a number after "<", found "<300ms"'],
    ['p(95)<', 7, 'expected a number after "<", found the end'],
    ['p(95)<-1', 7, 'the value cannot be negative'],
    ['p(95)<300m', 10, '"m" is not a latency unit; use us, ms or s'],
    ['p(95)<300%', 10, '"%" is not a latency unit'],
    ['error_rate<5', 12, 'error_rate is a fraction from 0 to 1 or a percentage; write 5% or 0.05'],
    ['error_rate<101%', 12, '101% is above 100%'],
    ['error_rate<1ms', 13, '"ms" is not a unit of error_rate'],
    ['rps>10%', 7, 'rps takes a plain number, without a unit; found "%"'],
    ['p(95){login}<1s', 7, 'expected "step:<name>" inside {...}'],
    ['p(95){step:login<1s', 6, 'the "{" is not closed'],
    ['p(95){step:}<1s', 12, 'the step name is empty'],
    ['dropped{step:a}<1', 8, '"dropped" has no per-step value'],
    ['p(95)<1s!!', 10, 'unexpected "!" after the value and "!"'],
    ['p(95)<1s and more', 10, 'unexpected "and" after the value'],
  ])('rejects %j at position %i: %s', (expression, position, problem) => {
    const error = failure(expression);
    expect(error.code).toBe('SE_ERR_CONFIG_THRESHOLD');
    expect(error.offset).toBe(position - 1);
    expect(error.message).toContain(`at position ${position}: ${problem}`);
    expect(error.message).toContain(THRESHOLD_GRAMMAR);
  });

  it('draws a caret under the problem', () => {
    const lines = failure('p(95)<<300ms').message.split('\n');
    expect(lines[1]).toBe('    p(95)<<300ms');
    expect(lines[2]).toBe(`    ${' '.repeat(6)}^`);
  });
});

describe('thresholdHolds', () => {
  it('compares with each operator, the bound excluded for < and >', () => {
    const at = (operator: '<' | '<=' | '>' | '>=') => [299, 300, 301].map((v) => thresholdHolds({ operator, value: 300 }, v));
    expect(at('<')).toEqual([true, false, false]);
    expect(at('<=')).toEqual([true, true, false]);
    expect(at('>')).toEqual([false, false, true]);
    expect(at('>=')).toEqual([false, true, true]);
  });
});
