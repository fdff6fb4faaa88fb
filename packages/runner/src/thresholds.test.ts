import { describe, expect, it } from 'vitest';
import type { ThresholdConfig } from '@session-engine/config';
import { Metrics } from '@session-engine/metrics';
import type { RunReport } from './report.js';
import { compileThresholds, evaluateThresholds, sourceOfReport, ThresholdWatch } from './thresholds.js';
import { testReport } from '../test/report-fixture.js';

/** 2 s of load: 100 requests of 1..100 ms (10 failed) on two steps, 1 dropped start, 4 checks (3 passed). */
function report(): RunReport {
  const metrics = new Metrics();
  for (let ms = 1; ms <= 100; ms++) {
    const step = ms <= 50 ? 'login' : 'me';
    if (ms % 10 === 0) metrics.recordFailure('http_500', ms * 1000, 500, 0, step);
    else metrics.recordSuccess(200, ms * 1000, 0, step);
  }
  metrics.recordDropped('pool_full');
  metrics.recordCheck('login.status', true);
  metrics.recordCheck('login.status', true);
  metrics.recordCheck('me.status', true);
  metrics.recordCheck('me.status', false);
  return testReport({ engine: 't', finishedAt: new Date(2_000), model: 'open', target: 'x', iterations: 100, snapshot: metrics.snapshot() });
}

const config = (threshold: string, more: Partial<ThresholdConfig> = {}): ThresholdConfig => ({ threshold, abort_on_fail: false, delay: 0, ...more });

function evaluate(...expressions: string[]) {
  return evaluateThresholds(compileThresholds(expressions.map((e) => config(e))), sourceOfReport(report()));
}

describe('evaluateThresholds', () => {
  it('reads latency from the HDR histogram: any percentile, avg, min, max, med, per step, in ms whatever the unit', () => {
    const rows = evaluate('p(95)<96ms', 'p(95)<0.1s', 'p(97.5)<=98ms', 'p(99.9){step:login}<50001us', 'avg>50', 'min>=1ms', 'max<100ms', 'med{step:me}<76ms');
    expect(rows.map((row) => row.value)).toEqual([95.039, 95.039, 98.047, 50.015, 50.504, 1, 100.031, 75.007]);
    expect(rows.map((row) => row.ok)).toEqual([true, true, false, false, true, true, false, true]);
    expect(rows[0]!.expr).toBe('p(95)<96ms');
  });

  it('error_rate and checks are fractions, written as % or a fraction; rps, failed, total and dropped are plain numbers', () => {
    const rows = evaluate('error_rate<10%', 'error_rate<=0.1', 'error_rate{step:me}<0.1', 'checks>=75%', 'checks{step:login}>99%', 'checks{step:me}>0.5', 'rps>=50', 'rps{step:me}<25', 'failed<10', 'total{step:login}>=50', 'dropped<1');
    expect(rows.map((row) => [row.value, row.ok])).toEqual([
      [0.1, false],
      [0.1, true],
      [0.1, false],
      [0.75, true],
      [1, true],
      [0.5, false],
      [50, true],
      [25, false],
      [10, false],
      [50, true],
      [1, false],
    ]);
  });

  it('nothing to measure is null and crossed: a step that never ran, no checks; counts of such a step are 0', () => {
    const empty = sourceOfReport({ ...report(), checks: {}, steps: {} });
    const rows = evaluateThresholds(compileThresholds(['p(95){step:gone}<1s', 'error_rate{step:gone}<1%', 'checks>0', 'failed{step:gone}<1'].map((e) => config(e))), empty);
    expect(rows).toEqual([
      { expr: 'p(95){step:gone}<1s', value: null, ok: false },
      { expr: 'error_rate{step:gone}<1%', value: null, ok: false },
      { expr: 'checks>0', value: null, ok: false },
      { expr: 'failed{step:gone}<1', value: 0, ok: true },
    ]);
  });
});

describe('ThresholdWatch', () => {
  it('checks only abort-on-fail thresholds past their delay, trips once, and keeps the tripped value in the final rows', () => {
    const thresholds = compileThresholds([config('p(95)<1ms', { abort_on_fail: true, delay: 5_000 }), config('error_rate<1%!', { abort_on_fail: true }), config('rps>1000000')]);
    const watch = new ThresholdWatch(thresholds);
    expect(watch.active).toBe(true);
    const live = new Metrics();
    let reads = 0;
    const snapshot = () => {
      reads++;
      return live.snapshot();
    };
    // Nothing measured yet: no crossing during the run.
    expect(watch.check(1_000, snapshot)).toBeUndefined();
    live.recordSuccess(200, 10_000);
    expect(watch.check(1_000, snapshot)).toBeUndefined(); // p(95) is crossed but waits for its delay; error_rate 0 holds
    live.recordFailure('http_500', 10_000, 500);
    expect(watch.check(2_000, snapshot)).toEqual({ expr: 'error_rate<1%!', value: 0.5, ok: false });
    expect(watch.check(6_000, snapshot)).toEqual({ expr: 'p(95)<1ms', value: 10.007, ok: false });
    const before = reads;
    expect(watch.check(7_000, snapshot)).toBeUndefined();
    expect(reads).toBe(before); // nothing left to watch: no snapshot taken
    const final = watch.finalize([
      { expr: 'p(95)<1ms', value: 10.007, ok: false },
      { expr: 'error_rate<1%!', value: 0.001, ok: true }, // recovered by the end: still reported crossed
      { expr: 'rps>1000000', value: 3, ok: false },
    ]);
    expect(final).toEqual([
      { expr: 'p(95)<1ms', value: 10.007, ok: false },
      { expr: 'error_rate<1%!', value: 0.5, ok: false },
      { expr: 'rps>1000000', value: 3, ok: false },
    ]);
    expect(new ThresholdWatch(compileThresholds([config('rps>1')])).active).toBe(false);
  });
});
