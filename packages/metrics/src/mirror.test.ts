import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

/** The exposition without the latency `_sum` line (the mirror's is within the histogram's precision, not exact). */
const withoutSum = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !line.startsWith('session_engine_request_duration_seconds_sum'))
    .join('\n');

describe('Metrics.mirror', () => {
  it('exposes the merge of snapshots recorded elsewhere as one instance that recorded everything would', async () => {
    const a = new Metrics();
    const b = new Metrics();
    const all = new Metrics();
    const record = (into: Metrics[], i: number): void => {
      for (const m of into) {
        if (i % 7 === 0) m.recordFailure('timeout', 20_000 + i, undefined, 0, 'login');
        else m.recordSuccess(i % 5 === 0 ? 302 : 200, 1_000 + i * 37, 100, i % 2 === 0 ? 'login' : 'me');
        if (i % 11 === 0) m.recordRetry();
        if (i % 13 === 0) m.recordDropped(i % 2 === 0 ? 'pool_full' : 'no_idle_session');
        m.recordCheck('body ok', i % 9 !== 0);
      }
    };
    for (let i = 0; i < 300; i++) record([i % 2 === 0 ? a : b, all], i);
    a.setActiveSessions(3);
    b.setActiveSessions(4);
    all.setActiveSessions(7);

    const mirror = new Metrics();
    mirror.mirror(a.snapshot(), b.snapshot());
    expect(withoutSum(await mirror.prometheus())).toBe(withoutSum(await all.prometheus()));
    const snapshot = mirror.snapshot();
    expect(snapshot).toMatchObject({ total: 300, success: all.snapshot().success, active_sessions: 7, status_codes: all.snapshot().status_codes });
    expect(snapshot.latency).toEqual(all.snapshot().latency);
    expect(snapshot.checks).toEqual(all.snapshot().checks);

    // A later mirror replaces the earlier figures, never adds to them.
    mirror.mirror(a.snapshot());
    expect(mirror.snapshot().total).toBe(a.snapshot().total);
  });
});
