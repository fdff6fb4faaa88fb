import { describe, expect, it } from 'vitest';
import { Metrics, formatSnapshotLine } from './index.js';

describe('formatSnapshotLine', () => {
  it('renders the periodic log fields of the original engine', () => {
    let t = 0;
    const m = new Metrics({ now: () => t });
    for (let i = 0; i < 14_850; i++) m.recordSuccess(200, 100);
    for (let i = 0; i < 150; i++) m.recordFailure('timeout', 100);
    m.setActiveSessions(500);
    t = 60_000;
    expect(formatSnapshotLine(m.snapshot())).toBe('total: 15000 | success: 14850 | failed: 150 | rps: 250.0 | sessions: 500');
  });

  it('rounds rps to one decimal', () => {
    expect(formatSnapshotLine({ total: 1, success: 1, failed: 0, rps: 2 / 3, active_sessions: 0 })).toBe(
      'total: 1 | success: 1 | failed: 0 | rps: 0.7 | sessions: 0',
    );
  });
});
