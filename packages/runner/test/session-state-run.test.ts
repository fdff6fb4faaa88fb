/**
 * run() with session_state: a second run restores the first one's sessions
 * (cookies, captures, once steps), so it does not log in again and the target
 * recognises every session.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '@session-engine/config';
import { createLogger, type Logger } from '@session-engine/logger';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobFromConfig, OnceSteps, run, RunControl, runThreads } from '../src/index.js';
import { redisServerMissing, startRedis, type RedisServer } from '@session-engine/test-support';
import { eventually } from './server.js';

/** A target with logins: /login issues a fresh sid and token, /me answers 200 only to a known sid with its token. */
interface LoginTarget {
  url: string;
  logins: number;
  recognised: number;
  unknown: number;
  /** Recognised requests by token (one token per login, so per identity). */
  byToken: Map<string, number>;
  close(): Promise<void>;
}

async function startLoginTarget(): Promise<LoginTarget> {
  const sessions = new Map<string, string>();
  const target = { url: '', logins: 0, recognised: 0, unknown: 0, byToken: new Map<string, number>() } as LoginTarget;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/login') {
        target.logins += 1;
        const sid = randomBytes(8).toString('hex');
        const token = randomBytes(8).toString('hex');
        sessions.set(sid, token);
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${sid}; Path=/; HttpOnly` }).end(JSON.stringify({ token }));
        return;
      }
      const sid = /(?:^|; )sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (sid !== undefined && sessions.get(sid) === req.headers['x-token']) {
        target.recognised += 1;
        target.byToken.set(String(req.headers['x-token']), (target.byToken.get(String(req.headers['x-token'])) ?? 0) + 1);
        res.end('{"ok":true}');
      } else {
        target.unknown += 1;
        res.writeHead(401).end('{"error":"unknown session"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}

let target: LoginTarget;
let dir: string;
beforeEach(async () => {
  target = await startLoginTarget();
  dir = mkdtempSync(join(tmpdir(), 'se-run-state-'));
});
afterEach(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(overrides: Record<string, unknown>) {
  return parseConfig({
    target_url: target.url,
    number_of_sessions: 3,
    iterations: 6,
    log_level: 'error',
    scenario: [
      { name: 'login', once: true, method: 'POST', path: '/login', expect_status: 200, capture: { token: { json: '$.token' } } },
      { name: 'me', method: 'GET', path: '/me', headers: { 'x-token': '{{token}}' }, expect_status: 200 },
    ],
    ...overrides,
  });
}

describe('run() with session_state in a file', () => {
  it('saves every session at the end; the next run restores them, logs none in and is recognised', async () => {
    const file = join(dir, 'state.json');
    const first = await run({ config: config({ session_state: file }), logMetrics: false });
    expect(first).toMatchObject({ failed: 0, steps: { login: { total: 3 }, me: { total: 6 } } });
    expect(first.session_state).toMatchObject({ kind: 'file', location: file, name: null, restored: 0, saved: 3, errors: 0, final_saved: true });
    expect(target.logins).toBe(3);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { sessions: Record<string, { once: string[]; variables: Record<string, string> }> };
    expect(Object.keys(saved.sessions)).toEqual(['1', '2', '3']);
    expect(saved.sessions['2']).toMatchObject({ once: ['login'], variables: { token: expect.any(String) } });

    const second = await run({ config: config({ session_state: file }), logMetrics: false });
    expect(second.session_state).toMatchObject({ restored: 3, saved: 3, final_saved: true });
    expect(second.steps['login']).toBeUndefined();
    expect(second).toMatchObject({ failed: 0, steps: { me: { total: 6, success: 6 } } });
    expect([target.logins, target.recognised, target.unknown]).toEqual([3, 12, 0]);
  });

  it('restores only the saved ids: a bigger second run logs in the new sessions alone', async () => {
    const file = join(dir, 'state.json');
    await run({ config: config({ session_state: file, number_of_sessions: 2, iterations: 2 }), logMetrics: false });
    const bigger = await run({ config: config({ session_state: file, number_of_sessions: 4, iterations: 4 }), logMetrics: false });
    expect(bigger.session_state).toMatchObject({ restored: 2, saved: 4 });
    expect(bigger.steps['login']?.total).toBe(2);
    expect([target.logins, target.unknown]).toEqual([4, 0]);
  });

  it('with session_state_reset restores nothing, logs everyone in again and overwrites the file', async () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, '{ this is not json');
    const fresh = await run({ config: config({ session_state: file, session_state_reset: true }), logMetrics: false });
    expect(fresh.session_state).toMatchObject({ reset: true, restored: 0, saved: 3, final_saved: true });
    expect(target.logins).toBe(3);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('stops before any request on a corrupt file, naming it', async () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, '{"format": "session-engine/session-state", "version": 1, "sessions": [}');
    await expect(run({ config: config({ session_state: file }), logMetrics: false })).rejects.toMatchObject({
      code: 'SE_ERR_STATE_STORE_CORRUPT',
      message: expect.stringContaining(`${file}:1:71`),
    });
    expect(target.logins + target.recognised + target.unknown).toBe(0);
  });

  it('reports a final save that fails, and still ends with a report', async () => {
    const sub = join(dir, 'gone');
    mkdirSync(sub);
    const file = join(sub, 'state.json');
    // The directory disappears during the run: the final save (retried) cannot write.
    const report = await run({
      config: config({ session_state: file, iterations: 1 }),
      logMetrics: false,
      job: async (session, ctx) => {
        await ctx.request({ path: '/login', method: 'POST' });
        rmSync(sub, { recursive: true, force: true });
      },
    });
    expect(report.session_state).toMatchObject({ saves: 0, errors: 3, final_saved: false, last_error: expect.stringContaining('does not exist') });
    expect(existsSync(file)).toBe(false);
  });
});

describe('run() with session_state and a job that wraps the config\'s scenario', () => {
  it('restores once steps through the ledger passed to both jobFromConfig and run()', async () => {
    const file = join(dir, 'state.json');
    const wrapped = async () => {
      const once = new OnceSteps();
      const inner = await jobFromConfig(config({}), { once });
      let extra = 0;
      const report = await run({
        config: config({ session_state: file }),
        logMetrics: false,
        once,
        job: async (session, ctx) => {
          await inner(session, ctx);
          extra += 1;
        },
      });
      return { report, extra };
    };
    await wrapped();
    const second = await wrapped();
    expect(second.extra).toBe(6);
    expect(second.report.steps['login']).toBeUndefined();
    expect([target.logins, target.unknown]).toEqual([3, 0]);
  });
});

/**
 * A run that starts with 2 sessions and grows to 4 through the control API (once its first
 * sessions are recognised), then stops once `until` holds.
 */
async function grownRunWith(threads: number, overrides: Record<string, unknown>, until: () => boolean, logger?: Logger) {
  const control = new RunControl();
  const grown = config({ ...overrides, number_of_sessions: 2, iterations: 0, duration: '30s', graceful_stop: '2s', threads });
  const options = { config: grown, control, logMetrics: false, ...(logger === undefined ? {} : { logger }) };
  const running = threads === 1 ? run(options) : runThreads(options);
  const recognised = target.recognised;
  expect(await eventually(() => control.running && target.recognised > recognised, 10_000)).toBe(true);
  await control.update({ sessions: 4 });
  expect(await eventually(until, 10_000)).toBe(true);
  control.stop();
  return running;
}

describe('run() with session_state: sessions added through the control API', () => {
  /** The saved file's sessions: id -> completed once steps. */
  const savedOnce = (file: string): Record<string, string[]> =>
    Object.fromEntries(
      Object.entries((JSON.parse(readFileSync(file, 'utf8')) as { sessions: Record<string, { once: string[] }> }).sessions).map(([id, saved]) => [id, saved.once]),
    );

  /** The saved file's sessions: id -> captured token. */
  const savedTokens = (file: string): Record<string, string | undefined> =>
    Object.fromEntries(
      Object.entries((JSON.parse(readFileSync(file, 'utf8')) as { sessions: Record<string, { variables: Record<string, string> }> }).sessions).map(([id, saved]) => [
        id,
        saved.variables['token'],
      ]),
    );

  const grownRun = (threads: number, file: string, until: () => boolean) => grownRunWith(threads, { session_state: file }, until);

  for (const threads of [1, 2]) {
    const label = threads === 1 ? 'in one thread' : 'with 2 threads';
    it(`${label}: a run grown from 2 to 4 sessions saves 4, and a run of 4 restores them all`, async () => {
      const file = join(dir, 'state.json');
      // The added sessions log in and go on with their scenario.
      const first = await grownRun(threads, file, () => target.logins === 4 && target.recognised > 8);
      expect(first.sessions).toMatchObject({ configured: 2, created: 4 });
      expect(first.session_state).toMatchObject({ restored: 0, saved: 4, final_saved: true });
      expect(savedOnce(file)).toEqual({ '1': ['login'], '2': ['login'], '3': ['login'], '4': ['login'] });

      const again = await (threads === 1 ? run : runThreads)({ config: config({ session_state: file, number_of_sessions: 4, iterations: 8, threads }), logMetrics: false });
      expect(again.session_state).toMatchObject({ restored: 4, saved: 4, final_saved: true });
      expect(again.steps['login']).toBeUndefined();
      expect(again).toMatchObject({ failed: 0, steps: { me: { total: 8, success: 8 } } });
      expect([target.logins, target.unknown]).toEqual([4, 0]);
    }, 40_000);

    it(`${label}: a second run that starts with 2 and grows to 4 restores the added sessions 3 and 4 too (no second login)`, async () => {
      const file = join(dir, 'state.json');
      await grownRun(threads, file, () => target.logins === 4 && target.recognised > 8);
      const tokens = savedTokens(file);
      expect(Object.keys(tokens)).toEqual(['1', '2', '3', '4']);

      // Stopped once sessions 3 and 4 were recognised with the tokens they saved: their identities came back.
      const seen = (id: string): number => target.byToken.get(tokens[id] ?? '') ?? 0;
      const before = { '3': seen('3'), '4': seen('4') };
      const again = await grownRun(threads, file, () => seen('3') > before['3'] && seen('4') > before['4']);
      expect(again.sessions).toMatchObject({ configured: 2, created: 4 });
      expect(again.session_state).toMatchObject({ restored: 4, saved: 4, errors: 0, final_saved: true });
      // Not one login: each added session had its state (once steps included) before its first job.
      expect(again.steps['login']).toBeUndefined();
      expect(again).toMatchObject({ failed: 0 });
      expect([target.logins, target.unknown]).toEqual([4, 0]);
      expect(savedTokens(file)).toEqual(tokens);
    }, 40_000);
  }
});

describe.skipIf(redisServerMissing !== undefined)('run() with session_state in Redis: sessions added through the control API', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const cli = (...args: string[]): string => {
    const result = spawnSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  /** The token session `id` saved under run name `name`. */
  const savedToken = (name: string, id: number): string =>
    (JSON.parse(cli('GET', `session-engine:${name}:${id}`)) as { variables: Record<string, string> }).variables['token'] ?? '';
  const seen = (token: string): number => target.byToken.get(token) ?? 0;

  it('with 2 threads (each its own keys): a second run that starts with 2 and grows to 4 restores sessions 3 and 4', async () => {
    const state = { session_state: redis.url, session_state_name: 'grown-threads' };
    await grownRunWith(2, state, () => target.logins === 4 && target.recognised > 8);
    const tokens = [1, 2, 3, 4].map((id) => savedToken('grown-threads', id));
    const before = tokens.map(seen);

    const again = await grownRunWith(2, state, () => seen(tokens[2]!) > before[2]! && seen(tokens[3]!) > before[3]!);
    expect(again.session_state).toMatchObject({ kind: 'redis', restored: 4, saved: 4, final_saved: true });
    expect(again.steps['login']).toBeUndefined();
    expect([target.logins, target.unknown]).toEqual([4, 0]);
  }, 40_000);

  it('a corrupt saved entry of an added session: logged once, that session starts fresh (logs in), the other added one is restored', async () => {
    const state = { session_state: redis.url, session_state_name: 'grown-corrupt' };
    await grownRunWith(1, state, () => target.logins === 4 && target.recognised > 8);
    const token4 = savedToken('grown-corrupt', 4);
    cli('SET', 'session-engine:grown-corrupt:3', '{ not json');
    const before = seen(token4);

    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const again = await grownRunWith(1, state, () => target.logins === 5 && seen(token4) > before, createLogger({ level: 'warn', destination }));
    expect(again.session_state).toMatchObject({ restored: 3, errors: 0, final_saved: true });
    expect(again.steps['login']).toMatchObject({ total: 1, success: 1 });
    expect([target.logins, target.unknown]).toEqual([5, 0]);
    const fresh = lines.filter((line) => line.includes('session 3, added during the run, starts fresh'));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toContain('session-engine:grown-corrupt:3');
    // Its fresh identity replaced the corrupt entry.
    expect(savedToken('grown-corrupt', 3)).not.toBe('');
  }, 40_000);
});
