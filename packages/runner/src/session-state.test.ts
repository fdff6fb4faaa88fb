import { Writable } from 'node:stream';
import { parseConfig } from '@session-engine/config';
import { createLogger } from '@session-engine/logger';
import { ProxyManager } from '@session-engine/proxy';
import { SessionManager } from '@session-engine/session';
import type { SavedSession, StateStore } from '@session-engine/state-store';
import { describe, expect, it } from 'vitest';
import { OnceSteps } from './once-steps.js';
import { describeSessionState, mergeSessionState, SessionStateKeeper, type SessionStateReport } from './session-state.js';

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

describe('SessionStateKeeper.addSessions: sessions added during the run', () => {
  /** A store in memory: what a file or Redis would hand back. */
  const memoryStore = (saved: SavedSession[]): StateStore => ({
    kind: 'file',
    location: 'memory.json',
    load: async (ids) => new Map(saved.filter((entry) => ids.includes(entry.id)).map((entry) => [entry.id, entry])),
    save: async () => undefined,
    close: async () => undefined,
  });
  const entry = (id: number, proxy: string | null): SavedSession => ({
    id,
    saved_at: '2026-11-28T12:00:00.000Z',
    cookies: { version: 'tough-cookie@5.0.0', storeType: 'MemoryCookieStore', rejectPublicSuffixes: true, cookies: [] } as unknown as SavedSession['cookies'],
    variables: { token: `t${id}` },
    proxy,
    once: ['login'],
  });

  it('restores variables and once steps, and starts a session on its saved proxy only when it is listed and healthy', async () => {
    const [a, b, c, gone] = ['http://10.0.0.1:3128', 'http://10.0.0.2:3128', 'http://10.0.0.3:3128', 'http://10.0.0.9:3128'];
    const proxies = ProxyManager.fromText(`${a}\n${b}\n${c}\n`, { maxFailures: 1 });
    // b's circuit opens: a session saved on it must not start there.
    proxies.reportFailure(proxies.healthy().find((proxy) => proxy.url === b)!);
    const config = parseConfig({ target_url: 'http://127.0.0.1:9', session_state: 'memory.json' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) });
    const once = new OnceSteps();
    const store = memoryStore([entry(1, c), entry(2, b), entry(3, gone), entry(4, null)]);
    const keeper = (await SessionStateKeeper.open(config, logger, once, 0, 1, store))!;
    const sessions = new SessionManager({ config, logger, proxies });
    try {
      const result = await keeper.addSessions(sessions, 5, proxies);
      expect(result.ids).toEqual([1, 2, 3, 4, 5]);
      expect([1, 2, 3, 4, 5].map((id) => [sessions.get(id)?.variables.get('token'), once.has(id, 'login')])).toEqual([
        ['t1', true],
        ['t2', true],
        ['t3', true],
        ['t4', true],
        [undefined, false],
      ]);
      // The rotation alone would give session 1 the first proxy, a.
      expect(sessions.get(1)?.proxy?.url).toBe(c);
      expect(sessions.get(2)?.proxy?.url).not.toBe(b);
      expect(keeper.summary()).toMatchObject({ restored: 4, proxies_replaced: 2 });
      const text = lines.join('');
      expect(text).toContain(`session 2: its saved proxy ${b} is down (its circuit is open); it takes a new one`);
      expect(text).toContain(`session 3: its saved proxy ${gone} is no longer in the proxy list; it takes a new one`);
      expect(text).toContain('session state: restored 4 of 5 session(s) added during the run from memory.json');
    } finally {
      await sessions.stopAll();
      await keeper.close();
    }
  });

  it('a saved entry that cannot be restored: logged once, that session starts fresh, the others are restored', async () => {
    const config = parseConfig({ target_url: 'http://127.0.0.1:9', session_state: 'memory.json' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) });
    const once = new OnceSteps();
    const broken = { ...entry(2, null), cookies: { cookies: 'not a list' } as unknown as SavedSession['cookies'] };
    const keeper = (await SessionStateKeeper.open(config, logger, once, 0, 1, memoryStore([entry(1, null), broken])))!;
    const sessions = new SessionManager({ config, logger });
    try {
      const result = await keeper.addSessions(sessions, 2);
      expect(result).toMatchObject({ created: 2, errors: [] });
      expect([once.has(1, 'login'), once.has(2, 'login'), sessions.get(2)?.variables.size]).toEqual([true, false, 0]);
      expect(keeper.summary().restored).toBe(1);
      expect(lines.filter((line) => line.includes('session 2, added during the run, starts fresh'))).toHaveLength(1);
    } finally {
      await sessions.stopAll();
      await keeper.close();
    }
  });
});
