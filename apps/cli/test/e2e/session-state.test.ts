/**
 * Persistent session state end to end, as a user would try it: the built
 * `engine` run twice with the same --session-state. The first run logs every
 * session in; the second restores them, sends no login and every session is
 * recognised by the target, by the target server's own counters. With a file
 * (the embedded demo, whose target signs its cookies so a new demo target
 * knows them) and with a real redis-server (a standalone target process).
 * Bad state and an unreachable Redis: exit 1 before any request.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_METRICS_ENV, runEngine, useTarget, waitForMetrics, waitForOutput, waitUntil } from './processes.js';
import { freePort, redisServerMissing, startRedis, type RedisServer } from '@session-engine/test-support';

interface Report {
  failed: number;
  total: number;
  steps: Record<string, { total: number; success: number; failed: number }>;
  session_state: { kind: string; location: string; name: string | null; restored: number; saved: number; errors: number; final_saved: boolean } | null;
}
interface Auth {
  logins: number;
  resumed: number;
  authenticated: number;
  unauthenticated: number;
}

const SESSIONS = 20;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'se-e2e-state-'));
  dirs.push(dir);
  return dir;
}

/** The demo target's counters, from the line the engine logs at the end of a --demo run. */
function demoCounters(stderr: string): Auth {
  const match = /demo target counted ([\d,]+) login\(s\), ([\d,]+) session\(s\) resumed .*?, ([\d,]+) authenticated and ([\d,]+) unauthenticated/.exec(stderr);
  if (!match) throw new Error(`no demo target line in:\n${stderr}`);
  const n = (i: number): number => Number(match[i]!.replaceAll(',', ''));
  return { logins: n(1), resumed: n(2), authenticated: n(3), unauthenticated: n(4) };
}

describe('engine run --session-state <file>', () => {
  it('--demo twice: the first run logs every session in, the second logs none in and the (new) demo target resumes every session', async () => {
    const state = join(tempDir(), 'state.json');
    const args = ['run', '--demo', '-s', String(SESSIONS), '-n', '200', '--json', '--session-state', state];

    const first = await runEngine(args, { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout) as Report;
    expect(one).toMatchObject({ failed: 0, steps: { login: { total: SESSIONS, success: SESSIONS } } });
    expect(one.session_state).toMatchObject({ kind: 'file', location: state, restored: 0, saved: SESSIONS, errors: 0, final_saved: true });
    expect(demoCounters(first.stderr)).toMatchObject({ logins: SESSIONS, resumed: 0, unauthenticated: 0 });
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { version: number; sessions: Record<string, { once: string[]; variables: Record<string, string> }> };
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.sessions)).toHaveLength(SESSIONS);
    expect(saved.sessions['7']).toMatchObject({ once: ['login'], variables: { counter: expect.stringMatching(/^\d+$/) } });

    const second = await runEngine(args, { timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const two = JSON.parse(second.stdout) as Report;
    expect(two.steps['login']).toBeUndefined();
    expect(two).toMatchObject({ failed: 0, steps: { me: { total: 200, success: 200 }, counter: { total: 200, success: 200 } } });
    expect(two.session_state).toMatchObject({ restored: SESSIONS, saved: SESSIONS, final_saved: true });
    expect(demoCounters(second.stderr)).toEqual({ logins: 0, resumed: SESSIONS, authenticated: 400, unauthenticated: 0 });
    expect(second.stderr).toContain(`session state: restored ${SESSIONS} of ${SESSIONS} session(s) from ${state}`);
  });

  it('--threads 2, --demo twice: the main thread reads and writes the one file; the second run logs none in and resumes every session', async () => {
    const state = join(tempDir(), 'state.json');
    const sessions = 6;
    const args = ['run', '--demo', '--threads', '2', '-s', String(sessions), '-n', '60', '--json', '--session-state', state];

    const first = await runEngine(args, { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout) as Report & { threads: { sessions: number }[] };
    expect(one.threads.map((thread) => thread.sessions)).toEqual([3, 3]);
    expect(one).toMatchObject({ failed: 0, steps: { login: { total: sessions, success: sessions } } });
    expect(one.session_state).toMatchObject({ kind: 'file', location: state, restored: 0, saved: sessions, errors: 0, final_saved: true });
    expect(demoCounters(first.stderr)).toMatchObject({ logins: sessions, resumed: 0, unauthenticated: 0 });
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, { once: string[] }> };
    // Both threads' sessions in the one file: 1-3 from thread 0, 4-6 from thread 1.
    expect(Object.keys(saved.sessions)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(Object.values(saved.sessions).map((session) => session.once)).toEqual(Array.from({ length: sessions }, () => ['login']));

    const second = await runEngine(args, { timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const two = JSON.parse(second.stdout) as Report;
    expect(two.steps['login']).toBeUndefined();
    expect(two).toMatchObject({ failed: 0, steps: { me: { total: 60, success: 60 }, counter: { total: 60, success: 60 } } });
    expect(two.session_state).toMatchObject({ restored: sessions, saved: sessions, final_saved: true });
    expect(demoCounters(second.stderr)).toEqual({ logins: 0, resumed: sessions, authenticated: 120, unauthenticated: 0 });
    expect(Object.keys((JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, unknown> }).sessions)).toHaveLength(sessions);
  });

  it('--threads 2 and a corrupt state file: exit 1 before any thread starts, naming the file and --session-state-reset', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeFileSync(state, '{"format": "session-engine/session-state", "version": 1, "sessions": []}\n');
    const bad = await runEngine(['run', '--demo', '--threads', '2', '-s', '4', '-n', '8', '--session-state', state], { timeoutMs: 30_000, cwd: dir });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^error: session state ${literal(state)} is corrupt: .*; start fresh and overwrite it with --session-state-reset`, 'm'));
    expect(bad.stderr).not.toContain('run split across');
  });

  it('a corrupt state file: exit 1 before any request, naming the file, the line and column, and --session-state-reset; the reset starts fresh', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeFileSync(state, '{\n  "format": "session-engine/session-state",\n  "version": 1,\n  "sessions": {,}\n}\n');
    const bad = await runEngine(['run', '--demo', '-s', '5', '-n', '10', '--session-state', state], { timeoutMs: 30_000, cwd: dir });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(new RegExp(`^error: session state ${literal(state)} is corrupt: invalid JSON at ${literal(state)}:4:16: expected a property name in double quotes; start fresh and overwrite it with --session-state-reset`, 'm'));
    expect(bad.stderr).not.toContain('demo target counted');
    expect(bad.stderr).not.toContain('run started');

    const reset = await runEngine(['run', '--demo', '-s', '5', '-n', '10', '--json', '--session-state', state, '--session-state-reset'], { timeoutMs: 30_000, cwd: dir });
    expect(reset.code, reset.stderr).toBe(0);
    expect((JSON.parse(reset.stdout) as Report).session_state).toMatchObject({ restored: 0, saved: 5 });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ format: 'session-engine/session-state', version: 1 });
  });

  it('saves every session_state_interval: a run killed with SIGKILL leaves the last save behind, whole', async () => {
    const state = join(tempDir(), 'state.json');
    const result = await runEngine(['run', '--demo', '-s', '5', '-d', '60s', '--session-state', state], {
      timeoutMs: 30_000,
      env: { SESSION_ENGINE_SESSION_STATE_INTERVAL: '200ms' },
      onStart: async (child) => {
        await waitUntil(async () => existsSync(state), 'the first interval save');
        child.kill('SIGKILL');
      },
    });
    expect(result.signal).toBe('SIGKILL');
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, { once: string[] }> };
    expect(Object.keys(saved.sessions)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('--threads 2 saves every session_state_interval: both threads\' sessions reach the one file while the run goes on', async () => {
    const state = join(tempDir(), 'state.json');
    const idsInFile = (): string[] => {
      try {
        return Object.keys((JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, unknown> }).sessions);
      } catch {
        return [];
      }
    };
    const result = await runEngine(['run', '--demo', '--threads', '2', '-s', '4', '-d', '60s', '--session-state', state], {
      timeoutMs: 30_000,
      env: { SESSION_ENGINE_SESSION_STATE_INTERVAL: '200ms' },
      onStart: async (child) => {
        await waitUntil(async () => idsInFile().length === 4, 'interval saves of both threads');
        child.kill('SIGKILL');
      },
    });
    expect(result.signal).toBe('SIGKILL');
    expect(idsInFile()).toEqual(['1', '2', '3', '4']);
  });

  it('a state file of another format version: exit 1 naming both versions', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeFileSync(state, JSON.stringify({ format: 'session-engine/session-state', version: 7, sessions: {} }));
    const bad = await runEngine(['run', '--demo', '-s', '2', '-n', '2', '--session-state', state], { timeoutMs: 30_000, cwd: dir });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toContain(`error: session state ${state} has format version 7, this engine reads version 1; start fresh and overwrite it with --session-state-reset`);
  });
});

describe('engine run --session-state <file>: a forced stop', () => {
  const target = useTarget();

  it('saves once more after the second SIGINT (best effort): exit 130, every session in the file, its login done', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const config = join(dir, 'engine.json');
    // Each iteration logs in once, then waits 10 s on the target: the first SIGINT cannot finish it in time.
    writeFileSync(
      config,
      JSON.stringify({
        number_of_sessions: 4,
        graceful_stop: '30s',
        scenario: [
          { name: 'login', once: true, method: 'POST', path: '/login', json: { user: 'u{{session_id}}' }, expect_status: 200 },
          { name: 'slow', method: 'GET', path: '/delay?ms=10000' },
        ],
      }),
    );
    const result = await runEngine(['run', '-c', config, '-t', target().url, '--session-state', state], {
      timeoutMs: 30_000,
      env: FAST_METRICS_ENV,
      onStart: async (child) => {
        await waitForMetrics(child, (line) => line.success >= 4);
        const graceful = waitForOutput(child, /SIGINT received: finishing in-flight iterations/);
        child.kill('SIGINT');
        await graceful;
        child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toMatch(/state\s+.*state\.json \(file\): restored 0, saved 4/);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { sessions: Record<string, { once: string[] }> };
    expect(Object.values(saved.sessions).map((session) => session.once)).toEqual([['login'], ['login'], ['login'], ['login']]);
  });
});

describe.skipIf(redisServerMissing !== undefined)('engine run --session-state redis://', () => {
  const target = useTarget();
  let redis: RedisServer;
  let config: string;
  beforeAll(async () => {
    redis = await startRedis();
    // The demo's scenario, against a standalone target-server process (its /stats are the counters).
    const dir = tempDir();
    config = join(dir, 'engine.json');
    writeFileSync(
      config,
      JSON.stringify({
        number_of_sessions: SESSIONS,
        iterations: 100,
        scenario: [
          { name: 'login', once: true, method: 'POST', path: '/login', json: { user: 'user-{{session_id}}' }, expect_status: 200 },
          { name: 'me', method: 'GET', path: '/api/me', expect_status: 200 },
          { name: 'counter', method: 'GET', path: '/api/counter', expect_status: 200, capture: { counter: { json: '$.counter' } } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const auth = async (): Promise<Auth> => (await target().stats())['auth'] as Auth;

  it('two runs: the second sends no login and the target knows every session; keys session-engine:<name>:<id> with a TTL', async () => {
    const args = ['run', '-c', config, '-t', target().url, '--json', '--session-state', redis.url];
    const env = { SESSION_ENGINE_SESSION_STATE_NAME: 'e2e', SESSION_ENGINE_SESSION_STATE_TTL: '1h' };
    const first = await runEngine(args, { timeoutMs: 60_000, env });
    expect(first.code, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout) as Report;
    expect(one.session_state).toMatchObject({ kind: 'redis', location: redis.url, name: 'e2e', restored: 0, saved: SESSIONS, final_saved: true });
    expect(await auth()).toMatchObject({ logins: SESSIONS, unauthenticated: 0 });
    const firstIds = (await target().stats()).sessions.ids.sort();
    expect(firstIds).toHaveLength(SESSIONS);

    await fetch(`${target().url}/stats/reset`, { method: 'POST' });
    const second = await runEngine(args, { timeoutMs: 60_000, env });
    expect(second.code, second.stderr).toBe(0);
    const two = JSON.parse(second.stdout) as Report;
    expect(two.steps['login']).toBeUndefined();
    expect(two).toMatchObject({ failed: 0, steps: { me: { success: 100 }, counter: { success: 100 } } });
    expect(two.session_state).toMatchObject({ restored: SESSIONS, saved: SESSIONS, final_saved: true });
    // The target's own counters: no login, every request authenticated, by the very sessions of the first run.
    expect(await auth()).toEqual({ logins: 0, resumed: 0, authenticated: 200, unauthenticated: 0 });
    const stats = await target().stats();
    expect(stats.sessions.ids.sort()).toEqual(firstIds);
    expect(stats.sessions.requests_without_session).toBe(0);

    const keys = await redisCommand(redis.port, ['KEYS', 'session-engine:e2e:*']);
    expect(keys).toHaveLength(SESSIONS);
    const ttl = Number(await redisCommand(redis.port, ['PTTL', 'session-engine:e2e:1']));
    expect(ttl).toBeGreaterThan(3_000_000);
  });

  it('Redis going away mid-run: logged, the run goes on, and the final save (retried) lands once Redis is back', { timeout: 60_000 }, async () => {
    const own = await startRedis();
    let back: RedisServer | undefined;
    try {
      const args = ['run', '-c', config, '-t', target().url, '-d', '60s', '--json', '--session-state', own.url];
      const result = await runEngine(args, {
        timeoutMs: 60_000,
        env: { SESSION_ENGINE_SESSION_STATE_INTERVAL: '200ms', SESSION_ENGINE_SESSION_STATE_NAME: 'outage', SESSION_ENGINE_ITERATIONS: '0' },
        onStart: async (child) => {
          // Everything from the start: a line may come before a wait for it begins.
          let seen = '';
          child.stderr!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
          await waitUntil(async () => (await redisCommand(own.port, ['EXISTS', 'session-engine:outage:1'])) === '1', 'the first interval save');
          await own.stop();
          await waitUntil(async () => /lost the connection to Redis at 127\.0\.0\.1:\d+.*the run goes on/.test(seen), 'the outage logged');
          await waitUntil(async () => /session state: save failed: cannot save session state to redis:/.test(seen), 'a failed interval save');
          back = await startRedis(own.port);
          child.kill('SIGINT');
        },
      });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as Report & { reason: string };
      expect(report.reason).toBe('signal');
      expect(report.session_state).toMatchObject({ saved: SESSIONS, final_saved: true });
      expect(report.session_state!.errors).toBeGreaterThan(0);
      // A new, empty redis-server (no persistence): these keys are the final save's.
      expect(await redisCommand(own.port, ['KEYS', 'session-engine:outage:*'])).toHaveLength(SESSIONS);
    } finally {
      await back?.stop();
      await own.stop();
    }
  });

  it('an unreachable Redis: exit 1 before any request, naming host, port and cause', async () => {
    const port = await freePort();
    const result = await runEngine(['run', '-c', config, '-t', target().url, '--session-state', `redis://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: cannot reach Redis at 127\\.0\\.0\\.1:${port} for session_state: .*ECONNREFUSED.*; start Redis, fix the URL, or drop --session-state$`, 'm'));
    expect((await target().stats()).total_requests).toBe(0);
  });
});

/** `text` as a regex matching itself: a temp path may hold '+', '(' or '.'. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One Redis command over RESP, the reply parsed enough for these checks (an integer or a list of bulk strings). */
async function redisCommand(port: number, args: string[]): Promise<string | string[]> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const lines = data.split('\r\n');
      if (data.startsWith(':')) {
        socket.end();
        resolve(lines[0]!.slice(1));
      } else if (data.startsWith('*')) {
        const count = Number(lines[0]!.slice(1));
        const values = lines.slice(1).filter((_, i) => i % 2 === 1);
        if (values.length >= count) {
          socket.end();
          resolve(values.slice(0, count));
        }
      } else if (data.startsWith('-')) reject(new Error(lines[0]));
    });
    socket.on('error', reject);
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}
