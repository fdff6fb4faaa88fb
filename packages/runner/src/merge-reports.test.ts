import { Metrics } from '@session-engine/metrics';
import { describe, expect, it } from 'vitest';
import { buildReport, type RunReport } from './report.js';
import { mergeReports } from './merge-reports.js';
import { Timeline } from './timeline.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Recorded {
  interval: number;
  micros: number;
  step: 'login' | 'me';
  ok: boolean;
  status: number;
}

/** Log-uniform latencies from 50 us to 20 s over a few timeline intervals, with failures and two steps. */
function values(seed: number, n: number): Recorded[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const ok = next() > 0.1;
    return {
      interval: Math.floor(next() * 4),
      micros: Math.round(50 * Math.exp(next() * Math.log(400_000))),
      step: next() < 0.3 ? 'login' : 'me',
      ok,
      status: ok ? 200 : 503,
    };
  });
}

/** The report of a run that recorded `recorded` (a fake clock: interval k ends at (k + 1) s). */
function reportOf(recorded: readonly Recorded[], name: string): RunReport {
  let now = 0;
  const metrics = new Metrics({ now: () => now });
  const timeline = new Timeline(1_000);
  for (let k = 0; k < 4; k++) {
    for (const r of recorded) {
      if (r.interval !== k) continue;
      if (r.ok) metrics.recordSuccess(r.status, r.micros, 10, r.step);
      else metrics.recordFailure('http_503', r.micros, r.status, 0, r.step);
      if (r.micros % 5 === 0) metrics.recordDropped(r.micros % 2 === 0 ? 'pool_full' : 'no_idle_session');
    }
    now = (k + 1) * 1000;
    timeline.add(metrics.takeInterval(), 1, recorded.filter((r) => r.interval === k).length);
  }
  return buildReport({
    engine: 'test',
    startedAt: new Date('2026-01-01T00:00:00.000Z'),
    finishedAt: new Date('2026-01-01T00:00:04.000Z'),
    reason: 'duration',
    model: 'closed',
    target: name,
    iterations: recorded.length,
    failedIterations: recorded.filter((r) => !r.ok).length,
    interruptedIterations: 0,
    snapshot: metrics.snapshot(),
    sessions: { configured: 1, created: 1, failed_to_create: 0 },
    failureReasons: new Map([['x', recorded.filter((r) => !r.ok).length]]),
    timeline: timeline.entries,
    config: {},
    stepOrder: ['login', 'me'],
  });
}

/** Timeline figures without the encoded histogram (compared through the percentiles it gives). */
const figures = (report: RunReport) => report.timeline.map(({ hdr: _hdr, rps: _rps, ...rest }) => rest);

describe('mergeReports', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals the one-process report for the same values spread over N reports (seed %i)', (seed) => {
    const all = values(seed, 3_000);
    const parts = 2 + (seed % 5);
    const next = random(seed * 7919);
    const shares: Recorded[][] = Array.from({ length: parts }, () => []);
    for (const value of all) shares[Math.floor(next() * parts)]!.push(value);

    const single = reportOf(all, 'target');
    // Each part goes through JSON, as reports from threads or machines do.
    const merged = mergeReports(shares.map((share) => JSON.parse(JSON.stringify(reportOf(share, 'target'))) as RunReport));

    const { latency, steps, timeline: _t, rps: _r, sessions: _s, ...counts } = single;
    expect(merged).toMatchObject(counts);
    expect({ ...merged.latency, hdr: '' }).toEqual({ ...latency, hdr: '' });
    for (const name of ['login', 'me']) {
      expect({ ...merged.steps[name]!.latency, hdr: '' }).toEqual({ ...steps[name]!.latency, hdr: '' });
      expect(merged.steps[name]!.total).toBe(steps[name]!.total);
    }
    expect(figures(merged).map(({ active_sessions: _a, ...rest }) => rest)).toEqual(figures(single).map(({ active_sessions: _a, ...rest }) => rest));
    expect(merged.timeline.map((entry) => entry.active_sessions)).toEqual(single.timeline.map(() => parts));
    expect(merged.timeline.map((entry) => entry.hdr)).toEqual(single.timeline.map((entry) => entry.hdr));
    expect(merged.sessions.created).toBe(parts);
    expect(merged.failure_reasons).toEqual(single.failure_reasons);
  });

  it('adds status codes, errors and counts; takes the earliest start and latest finish', () => {
    const a = reportOf(values(11, 100), 't');
    const b = { ...reportOf(values(12, 50), 't'), started_at: '2025-12-31T23:59:59.000Z', finished_at: '2026-01-01T00:00:06.000Z' };
    const merged = mergeReports([a, b]);
    expect(merged.total).toBe(150);
    expect(merged.duration).toBe(7);
    expect(merged.rps).toBeCloseTo(150 / 7, 1);
    expect(merged.status_codes['200']! + merged.status_codes['503']!).toBe(150);
    expect(merged.errors['http_503']).toBe(a.errors['http_503']! + b.errors['http_503']!);
  });

  it('adds drops by cause; a report from before the causes counts its drops as no_idle_session', () => {
    const a = reportOf(values(21, 400), 't');
    const { dropped_by_cause: _omitted, ...old } = { ...reportOf(values(22, 10), 't'), dropped: 5 };
    expect(a.dropped_by_cause.no_idle_session).toBeGreaterThan(0);
    expect(a.dropped_by_cause.pool_full).toBeGreaterThan(0);
    const merged = mergeReports([a, old as RunReport]);
    expect(merged.dropped).toBe(a.dropped + 5);
    expect(merged.dropped_by_cause).toEqual({ no_idle_session: a.dropped_by_cause.no_idle_session + 5, pool_full: a.dropped_by_cause.pool_full });
  });

  it('adds the sessions of the parts, pre-connected ones included', () => {
    const a = { ...reportOf(values(31, 10), 't'), sessions: { configured: 3, created: 3, failed_to_create: 0, preconnected: 3 } };
    const b = { ...reportOf(values(32, 10), 't'), sessions: { configured: 2, created: 2, failed_to_create: 0, preconnected: 1 } };
    expect(mergeReports([a, b]).sessions).toEqual({ configured: 5, created: 5, failed_to_create: 0, preconnected: 4 });
  });

  it('adds the parts\' warm-ups (counts summed, the longest duration), and has none when no part had one', () => {
    const a = { ...reportOf(values(33, 10), 't'), warmup: { duration: 2.1, iterations: 40, requests: 41, failed: 1, dropped: 0 } };
    const b = { ...reportOf(values(34, 10), 't'), warmup: { duration: 2.4, iterations: 30, requests: 30, failed: 0, dropped: 2 } };
    expect(mergeReports([a, b]).warmup).toEqual({ duration: 2.4, iterations: 70, requests: 71, failed: 1, dropped: 2 });
    expect(mergeReports([reportOf(values(35, 10), 't'), reportOf(values(36, 10), 't')]).warmup).toBeUndefined();
    const bad = { ...b, warmup: { ...b.warmup, requests: 'x' } } as unknown as RunReport;
    expect(() => mergeReports([a, bad])).toThrowError(/reports\[1\]\.warmup\.requests is not a number/);
  });

  it('explains what is wrong with a report it cannot merge', () => {
    const good = reportOf(values(1, 10), 't');
    expect(() => mergeReports([])).toThrowError(expect.objectContaining({ code: 'SE_ERR_RUNNER_REPORT_FORMAT' }));
    const { hdr: _hdr, ...noHdr } = good.latency;
    expect(() => mergeReports([good, { ...good, latency: noHdr } as unknown as RunReport])).toThrowError(/reports\[1\]\.latency\.hdr is missing/);
    expect(() => mergeReports([good, { ...good, total: 'x' } as unknown as RunReport])).toThrowError(/reports\[1\]\.total is not a number/);
  });
});
