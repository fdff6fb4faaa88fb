/** sessionSecret: a restarted server (same key) recognises the sessions an earlier process issued. */
import { afterEach, describe, expect, it } from 'vitest';
import { startTargetServer, type RunningTargetServer } from './index.js';

const servers: RunningTargetServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close({ timeoutMs: 0 })));
});

async function server(sessionSecret?: string): Promise<RunningTargetServer> {
  const started = await startTargetServer({ port: 0, ...(sessionSecret === undefined ? {} : { sessionSecret }) });
  servers.push(started);
  return started;
}

async function login(target: RunningTargetServer): Promise<string> {
  const response = await fetch(`${target.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"ada"}' });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

const me = (target: RunningTargetServer, cookie: string) => fetch(`${target.url}/api/me`, { headers: { cookie } }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('sessions across server processes (sessionSecret)', () => {
  it('a server with the same key resumes a session another one issued; its counters say so', async () => {
    const first = await server('k1');
    const cookie = await login(first);
    expect(first.stats().auth).toEqual({ logins: 1, resumed: 0, authenticated: 0, unauthenticated: 0 });

    const second = await server('k1');
    expect(await me(second, cookie)).toEqual({ status: 200, body: { user: 'ada' } });
    expect(await me(second, cookie)).toEqual({ status: 200, body: { user: 'ada' } });
    expect(second.stats().auth).toEqual({ logins: 0, resumed: 1, authenticated: 2, unauthenticated: 0 });
  });

  it('refuses a session signed with another key, a tampered one, and any unknown one without a key', async () => {
    const cookie = await login(await server('k1'));
    const other = await server('k2');
    expect((await me(other, cookie)).status).toBe(401);
    const [name, value] = cookie.split('=') as [string, string];
    const [random, , sig] = value.split('.');
    const forged = `${name}=${random}.${Buffer.from('"eve"').toString('base64url')}.${sig}`;
    expect((await me(await server('k1'), forged)).status).toBe(401);
    const plain = await server();
    expect((await me(plain, cookie)).status).toBe(401);
    expect(other.stats().auth).toMatchObject({ resumed: 0, unauthenticated: 1 });
  });
});
