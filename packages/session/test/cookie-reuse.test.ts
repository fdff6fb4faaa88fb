import { afterEach, describe, expect, it } from 'vitest';
import { Session, type SessionProxy } from '../src/index.js';
import { startServer, testClient, type TestServer } from './helpers.js';

// The cookie header is reused between requests while the jar is unchanged;
// these tests pin down when it must be read again.

let server: TestServer | undefined;
const sessions: Session<SessionProxy>[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) await session.close({ force: true });
  await server?.close();
  server = undefined;
});

function newSession(): Session<SessionProxy> {
  const session = new Session<SessionProxy>({ id: 1, client: testClient(), baseUrl: server?.url });
  sessions.push(session);
  return session;
}

/** A server whose next Set-Cookie lines the test chooses; it answers with the cookie header it got. */
async function cookieServer(): Promise<{ next: (lines: string[]) => void }> {
  let lines: string[] = [];
  server = await startServer((req, res) => {
    if (lines.length > 0) res.setHeader('set-cookie', lines);
    res.end(req.headers.cookie ?? '');
  });
  return { next: (l) => (lines = l) };
}

describe('cookie header reuse', () => {
  it('sends no cookie header while the jar is empty, then the stored cookies', async () => {
    const cookies = await cookieServer();
    const session = newSession();
    expect((await session.request({ path: '/' })).text()).toBe('');
    cookies.next(['a=1; Path=/']);
    expect((await session.request({ path: '/' })).text()).toBe('');
    cookies.next([]);
    expect((await session.request({ path: '/' })).text()).toBe('a=1');
  });

  it('reads the jar again when a response changes it', async () => {
    const cookies = await cookieServer();
    const session = newSession();
    cookies.next(['a=1; Path=/']);
    await session.request({ path: '/' });
    cookies.next(['a=2; Path=/', 'b=3; Path=/']);
    expect((await session.request({ path: '/' })).text()).toBe('a=1');
    cookies.next([]);
    expect((await session.request({ path: '/' })).text()).toBe('a=2; b=3');
  });

  it('drops a cookie once it expires, even though the jar did not change', async () => {
    const cookies = await cookieServer();
    const session = newSession();
    // Expires has whole seconds: this cookie expires 2 to 3 s from now.
    cookies.next([`short=1; Path=/; Expires=${new Date(Date.now() + 3_000).toUTCString()}`, 'long=2; Path=/']);
    await session.request({ path: '/' });
    cookies.next([]);
    expect((await session.request({ path: '/' })).text()).toBe('short=1; long=2');
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    expect((await session.request({ path: '/' })).text()).toBe('long=2');
  });

  it('sees cookies added to the jar by hand', async () => {
    await cookieServer();
    const session = newSession();
    await session.request({ path: '/' });
    await session.cookieJar.setCookie('manual=yes; Path=/', server!.url);
    expect((await session.request({ path: '/' })).text()).toBe('manual=yes');
    await session.cookieJar.setCookie('more=too; Path=/', server!.url);
    expect((await session.request({ path: '/' })).text()).toBe('manual=yes; more=too');
  });
});

describe('repeated Set-Cookie lines', () => {
  // A server that sets the same line (no Domain, no Path) on every /*/login and
  // echoes the cookie header elsewhere. Without a Path the cookie's path is the
  // URL's directory, without a Domain its host is the URL's: one line, two cookies.
  async function loginServer(): Promise<void> {
    server = await startServer((req, res) => {
      if (req.url!.endsWith('/login')) res.setHeader('set-cookie', 'sid=1');
      res.end(req.headers.cookie ?? '');
    });
  }

  it('stores the same line again when it comes from another path', async () => {
    await loginServer();
    const session = newSession();
    await session.request({ path: '/a/login' });
    await session.request({ path: '/b/login' });
    expect((await session.request({ path: '/a/page' })).text()).toBe('sid=1');
    expect((await session.request({ path: '/b/page' })).text()).toBe('sid=1');
    expect((await session.request({ path: '/c/page' })).text()).toBe('');
  });

  it('stores the same line again when it comes from another host', async () => {
    await loginServer();
    const session = newSession();
    const hosts = [`http://127.0.0.1:${server!.port}`, `http://localhost:${server!.port}`];
    for (const host of hosts) await session.request({ url: `${host}/login` });
    for (const host of hosts) expect((await session.request({ url: `${host}/page` })).text()).toBe('sid=1');
  });

  it('still stores a repeated line after the jar was handed out and changed', async () => {
    await loginServer();
    const session = newSession();
    await session.request({ path: '/login' });
    await session.cookieJar.removeAllCookies();
    await session.request({ path: '/login' });
    expect((await session.request({ path: '/page' })).text()).toBe('sid=1');
  });
});
