import { describe, expect, it } from 'vitest';
import { Metrics } from '@session-engine/metrics';
import { buildReport, type ReportInput } from './report.js';
import { formatBytes, formatMs, formatSummary } from './summary.js';

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const metrics = new Metrics();
  metrics.recordSuccess(200, 1_500, 100, 'login');
  metrics.recordSuccess(200, 2_500, 100, 'me');
  metrics.recordFailure('ECONNRESET', 4_000, 0, 0, 'me');
  return {
    engine: '1.2.3',
    startedAt: new Date('2026-01-01T00:00:00.000Z'),
    finishedAt: new Date('2026-01-01T00:00:02.000Z'),
    reason: 'duration',
    model: 'closed',
    target: 'http://127.0.0.1:1',
    iterations: 2,
    failedIterations: 1,
    interruptedIterations: 0,
    timeline: [],
    snapshot: metrics.snapshot(),
    sessions: { configured: 2, created: 2, failed_to_create: 0 },
    failureReasons: new Map([['me: no response (ECONNRESET)', 1]]),
    config: { number_of_sessions: 2 },
    stepOrder: ['login', 'me'],
    ...overrides,
  };
}

describe('buildReport', () => {
  it('derives the documented fields from the metrics snapshot', () => {
    const report = buildReport(input());
    expect(report).toMatchObject({
      engine: '1.2.3',
      duration: 2,
      total: 3,
      success: 2,
      failed: 1,
      rps: 1.5,
      iterations: 2,
      failed_iterations: 1,
      bytes_received: 200,
      status_codes: { '200': 2 },
      errors: { ECONNRESET: 1 },
      failure_reasons: { 'me: no response (ECONNRESET)': 1 },
    });
    expect(report.latency.count).toBe(3);
    expect(report.latency.max).toBeGreaterThanOrEqual(4);
    expect(report.latency.min).toBeLessThanOrEqual(1.51);
    expect(report.latency.p95).toBeGreaterThanOrEqual(report.latency.p90);
    expect(report.latency.p99).toBeGreaterThanOrEqual(report.latency.p95);
    expect(typeof report.latency.hdr).toBe('string');
    expect(report.steps['me']!.latency).toMatchObject({ count: 2, hdr: expect.any(String) });
    expect(report.interrupted_iterations).toBe(0);
  });

  it('orders steps as the scenario does, not alphabetically', () => {
    const metrics = new Metrics();
    for (const step of ['zeta', 'alpha', 'mid']) metrics.recordSuccess(200, 1_000, 0, step);
    const report = buildReport(input({ snapshot: metrics.snapshot(), stepOrder: ['zeta', 'alpha', 'mid'] }));
    expect(Object.keys(report.steps)).toEqual(['zeta', 'alpha', 'mid']);
  });

  it('splits open-model drops by cause, adding up to dropped', () => {
    const metrics = new Metrics();
    for (let i = 0; i < 7; i++) metrics.recordDropped('no_idle_session');
    for (let i = 0; i < 2; i++) metrics.recordDropped('pool_full');
    const report = buildReport(input({ model: 'open', snapshot: metrics.snapshot() }));
    expect(report.dropped).toBe(9);
    expect(report.dropped_by_cause).toEqual({ no_idle_session: 7, pool_full: 2 });
  });

  it('reports a zero rate for a zero-length run instead of dividing by zero', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(buildReport(input({ startedAt: at, finishedAt: at })).rps).toBe(0);
  });
});

describe('formatSummary', () => {
  it('shows requests, latency, status codes, errors, failure reasons and steps', () => {
    const text = formatSummary(buildReport(input()));
    expect(text).toMatch(/closed model, stopped by duration/);
    expect(text).toMatch(/requests\s+3 total\s+2 ok\s+1 failed \(33\.3%\)/);
    expect(text).toMatch(/iterations 2 \(1 failed\)/);
    expect(text).toMatch(/p90 \S+ ms\s+p95 \S+ ms\s+p99/);
    expect(text).toMatch(/step\s+requests\s+failed\s+p50\s+p95\s+p99/);
    expect(text).toMatch(/status\s+200: 2/);
    expect(text).toMatch(/errors\s+ECONNRESET: 1/);
    expect(text).toMatch(/1 x me: no response \(ECONNRESET\)/);
    expect(text).toMatch(/login\s+1\s+0/);
    expect(text).toMatch(/me\s+2\s+1/);
  });

  it('counts interrupted iterations and names a forced stop', () => {
    const text = formatSummary(buildReport(input({ interruptedIterations: 3, reason: 'forced' })));
    expect(text).toMatch(/iterations 2 \(1 failed, 3 interrupted\)/);
    expect(text).toMatch(/forced stop/);
  });

  it('names the causes of open-model drops, and none when nothing was dropped', () => {
    const metrics = new Metrics();
    for (let i = 0; i < 1_200; i++) metrics.recordDropped('no_idle_session');
    metrics.recordDropped('pool_full');
    expect(formatSummary(buildReport(input({ model: 'open', snapshot: metrics.snapshot() })))).toMatch(
      /retries 0\s+dropped 1,201 \(no idle session 1,200, pool queue full 1\)$/m,
    );
    expect(formatSummary(buildReport(input({ model: 'open', snapshot: new Metrics().snapshot() })))).toMatch(/retries 0\s+dropped 0$/m);
  });

  it('shows pre-connected sessions next to the sessions when the report has them, and failed starts', () => {
    const report = buildReport(input());
    expect(formatSummary({ ...report, sessions: { configured: 5, created: 5, failed_to_create: 0, preconnected: 4 } })).toMatch(
      /sessions 5 \(4 pre-connected\)\s+iterations/,
    );
    expect(formatSummary({ ...report, sessions: { configured: 5, created: 3, failed_to_create: 2, preconnected: 0 } })).toMatch(
      /sessions 3 \(0 pre-connected, 2 failed to start\)\s+iterations/,
    );
    // A report from before the field: nothing about pre-connects.
    expect(formatSummary({ ...report, sessions: { configured: 2, created: 2, failed_to_create: 0 } })).toMatch(/sessions 2\s+iterations/);
  });

  it('says when nothing completed', () => {
    const text = formatSummary(buildReport(input({ snapshot: new Metrics().snapshot() })));
    expect(text).toMatch(/latency\s+no completed requests/);
    expect(text).toMatch(/errors\s+none/);
  });
});

describe('units', () => {
  it('formats milliseconds and bytes for people', () => {
    expect(formatMs(0.25)).toBe('0.250 ms');
    expect(formatMs(12.345)).toBe('12.35 ms');
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(12_500)).toBe('12.5 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
  });
});
