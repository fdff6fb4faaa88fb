import { describe, expect, it } from 'vitest';
import { describeSessionState, mergeSessionState, type SessionStateReport } from './session-state.js';

const part = (overrides: Partial<SessionStateReport> = {}): SessionStateReport => ({
  kind: 'redis',
  location: 'redis://127.0.0.1:6379',
  name: 'shop',
  reset: false,
  restored: 10,
  proxies_replaced: 0,
  saved: 10,
  saves: 2,
  errors: 0,
  final_saved: true,
  last_error: null,
  ...overrides,
});

describe('session state in reports', () => {
  it('merges parts that each saved their own sessions: counts add, the final save holds only if every part\'s did', () => {
    expect(mergeSessionState([null, null])).toBeNull();
    expect(mergeSessionState([part(), null, part({ restored: 5, saved: 7, errors: 1, final_saved: false, last_error: 'gone' })])).toEqual(
      part({ restored: 15, saved: 17, saves: 4, errors: 1, final_saved: false, last_error: 'gone' }),
    );
  });

  it('describes where the state is and what happened to it in one line', () => {
    expect(describeSessionState(part())).toBe('redis://127.0.0.1:6379 (redis, name shop): restored 10, saved 10');
    expect(describeSessionState(part({ kind: 'file', location: 'state.json', name: null, reset: true, restored: 0, errors: 3, final_saved: false, last_error: 'disk full' }))).toBe(
      'state.json (file): reset, restored none, final save FAILED (disk full); 3 save(s) failed',
    );
  });
});
