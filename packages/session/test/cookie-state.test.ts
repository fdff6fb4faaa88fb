/** exportCookies / importCookies: a session's cookies carried into another session (saved session state). */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionManager, type SessionProxy } from '../src/index.js';
import { startServer, testClient, testConfig, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const managers: SessionManager<SessionProxy>[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stopAll()));
  await server?.close();
  server = undefined;
});

async function oneSession() {
  const manager = new SessionManager<SessionProxy>({ config: testConfig({ target_url: server!.url }), createClient: () => testClient() });
  managers.push(manager);
  await manager.createSessions(1);
  return manager.get(1)!;
}

describe('Session cookies across sessions', () => {
  it('a session that imports another one\'s exported cookies is recognised by the server', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/login') res.setHeader('set-cookie', ['sid=abc; Path=/; HttpOnly', 'old=1; Path=/; Max-Age=1']);
      res.end(req.headers.cookie ?? '');
    });
    const first = await oneSession();
    await first.request({ path: '/login' });
    expect((await first.request({ path: '/me' })).text()).toBe('sid=abc; old=1');
    const saved = await first.exportCookies();

    const second = await oneSession();
    // The same request before the import: the header cache must not keep the cookie-less answer.
    expect((await second.request({ path: '/me' })).text()).toBe('');
    expect(await second.importCookies(saved)).toBe(2);
    expect((await second.request({ path: '/me' })).text()).toBe('sid=abc; old=1');

    // A cookie that has expired since the export is not imported.
    const third = await oneSession();
    const stale = { ...saved, cookies: saved.cookies.map((cookie) => (cookie.key === 'old' ? { ...cookie, creation: '2000-01-01T00:00:00.000Z', lastAccessed: '2000-01-01T00:00:00.000Z' } : cookie)) };
    expect(await third.importCookies(stale)).toBe(1);
    expect((await third.request({ path: '/me' })).text()).toBe('sid=abc');
  });
});
