import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureSession, restoreSession } from './capture.js';
import { FileStateStore, STATE_FILE_FORMAT } from './file-store.js';
import { openStateStore } from './open-store.js';
import type { SavedSession } from './saved-session.js';
import { jarSession, type JarSession } from '../test/jar-session.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function sessionWithState(id: number): Promise<JarSession> {
  const session = jarSession(id, { url: 'http://alice:secret@10.0.0.1:3128' });
  await session.cookieJar.setCookie(`sid=s${id}; Path=/; HttpOnly`, 'http://127.0.0.1:8080/login');
  await session.cookieJar.setCookie('theme=dark; Path=/; Max-Age=3600', 'http://127.0.0.1:8080/');
  session.variables.set('token', `t${id}`);
  return session;
}

const fresh = (id: number): JarSession => jarSession(id);

describe('FileStateStore', () => {
  it('round-trips cookies, variables, proxy and once steps; the password never reaches the file', async () => {
    const path = join(dir, 'state.json');
    const store = await FileStateStore.open(path);
    const saved = await Promise.all([1, 2].map(async (id) => captureSession(await sessionWithState(id), { once: ['login'] })));
    await store.save(saved);
    await store.close();

    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ format: STATE_FILE_FORMAT, version: 1 });
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const again = await FileStateStore.open(path);
    const loaded = await again.load([1, 2, 3]);
    expect([...loaded.keys()]).toEqual([1, 2]);
    expect(loaded.get(2)).toMatchObject({ id: 2, variables: { token: 't2' }, proxy: 'http://alice@10.0.0.1:3128', once: ['login'] });

    const session = fresh(2);
    expect(await restoreSession(session, loaded.get(2)!)).toBe(2);
    expect(await session.cookieJar.getCookieString('http://127.0.0.1:8080/api/me')).toBe('sid=s2; theme=dark');
    expect(session.variables.get('token')).toBe('t2');
  });

  it('keeps sessions of the file that a later save does not include, and replaces those it does', async () => {
    const path = join(dir, 'state.json');
    const first = await FileStateStore.open(path);
    await first.save(await Promise.all([1, 2, 3].map(async (id) => captureSession(await sessionWithState(id)))));
    const second = await FileStateStore.open(path);
    const one = fresh(1);
    one.variables.set('token', 'new');
    await second.save([await captureSession(one)]);
    const loaded = await (await FileStateStore.open(path)).load([1, 2, 3]);
    expect(loaded.get(1)?.variables).toEqual({ token: 'new' });
    expect(loaded.get(3)?.variables).toEqual({ token: 't3' });
  });

  it('starts empty when the file does not exist yet, and with reset ignores (and overwrites) what it holds', async () => {
    const path = join(dir, 'state.json');
    expect((await (await FileStateStore.open(path)).load([1])).size).toBe(0);
    writeFileSync(path, '{ not json');
    const reset = await FileStateStore.open(path, { reset: true });
    expect((await reset.load([1])).size).toBe(0);
    await reset.save([await captureSession(fresh(7))]);
    expect((await (await FileStateStore.open(path)).load([1, 7])).size).toBe(1);
  });

  it('stops on invalid JSON with the file, line and column, and suggests --session-state-reset', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, '{\n  "format": "session-engine/session-state",\n  "version": 1,\n  "sessions": { "1": }\n}\n');
    const error = await FileStateStore.open(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SE_ERR_STATE_STORE_CORRUPT', location: path });
    expect((error as Error).message).toContain(`session state ${path} is corrupt: invalid JSON at ${path}:4:22: expected a JSON value`);
    expect((error as Error).message).toContain('--session-state-reset');
  });

  it('names the bad field of a well-formed file that is not session state', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ format: STATE_FILE_FORMAT, version: 1, sessions: { '1': { id: 1, saved_at: 'x', cookies: {}, variables: {}, proxy: null, once: [] } } }));
    await expect(FileStateStore.open(path)).rejects.toThrow(/sessions\["1"\]\.cookies must be tough-cookie's serialised jar/);
    writeFileSync(path, JSON.stringify({ number_of_sessions: 3 }));
    await expect(FileStateStore.open(path)).rejects.toThrow(/"format" must be "session-engine\/session-state", got null: this is not a session state file/);
  });

  it('refuses another format version, naming both', async () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ format: STATE_FILE_FORMAT, version: 2, sessions: {} }));
    const error = await FileStateStore.open(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SE_ERR_STATE_STORE_VERSION', found: 2 });
    expect((error as Error).message).toBe(
      `session state ${path} has format version 2, this engine reads version 1; start fresh and overwrite it with --session-state-reset (session_state_reset: true)`,
    );
  });

  it('says a path that is a directory cannot be read', async () => {
    const path = join(dir, 'state.json');
    mkdirSync(path);
    await expect(FileStateStore.open(path)).rejects.toMatchObject({ code: 'SE_ERR_STATE_STORE_UNREADABLE', message: expect.stringContaining('it is a directory') });
  });

  it('leaves the previous file intact, and no temporary file behind, when a write fails half-way', async () => {
    const path = join(dir, 'state.json');
    const good = await FileStateStore.open(path);
    await good.save([await captureSession(await sessionWithState(1))]);
    const before = readFileSync(path, 'utf8');

    // The disk fills up after the first bytes of the new document.
    const failing = await FileStateStore.open(path, {
      fs: {
        rename: fsp.rename,
        unlink: fsp.unlink,
        open: (async (...args: Parameters<typeof fsp.open>) => {
          const handle = await fsp.open(...args);
          handle.writeFile = async (data: unknown) => {
            await handle.write(String(data).slice(0, 10));
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          };
          return handle;
        }) as typeof fsp.open,
      },
    });
    await expect(failing.save([await captureSession(fresh(2))])).rejects.toMatchObject({
      code: 'SE_ERR_STATE_STORE_WRITE',
      message: `cannot save session state to ${path}: ENOSPC: no space left on device, write`,
    });
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['state.json']);
    // The store still works once the disk has room: the next save goes through.
    await good.save([await captureSession(fresh(3))]);
    expect([...(await (await FileStateStore.open(path)).load([1, 2, 3])).keys()]).toEqual([1, 3]);
  });

  it('says when the directory of the file does not exist', async () => {
    const store = await FileStateStore.open(join(dir, 'missing', 'state.json'));
    await expect(store.save([await captureSession(fresh(1))])).rejects.toThrow(/the directory .*missing does not exist/);
  });

  it('rejects a TTL for a file: it applies to Redis only', async () => {
    await expect(openStateStore(join(dir, 's.json'), { ttlMs: 1000 })).rejects.toMatchObject({ code: 'SE_ERR_STATE_STORE_INVALID_OPTIONS' });
  });

  it('does not restore cookies that have expired since the save', async () => {
    const saved: SavedSession = await captureSession(await sessionWithState(1));
    const cookies = saved.cookies.cookies.map((cookie) => (cookie['key'] === 'theme' ? { ...cookie, creation: '2000-01-01T00:00:00.000Z', lastAccessed: '2000-01-01T00:00:00.000Z' } : cookie));
    const session = fresh(1);
    expect(await restoreSession(session, { ...saved, cookies: { ...saved.cookies, cookies } })).toBe(1);
    expect(await session.cookieJar.getCookieString('http://127.0.0.1:8080/')).toBe('sid=s1');
  });
});
