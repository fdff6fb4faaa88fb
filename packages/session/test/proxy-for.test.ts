/** `proxyFor`: a session restored from saved state starts on the proxy it had. */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionManager, type SessionProxy } from '../src/index.js';
import { testClient, testConfig } from './helpers.js';

const managers: SessionManager<SessionProxy>[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stopAll()));
});

function proxy(name: string): SessionProxy {
  return { url: `http://${name}:8080`, display: `http://${name}:8080` };
}

describe('SessionManager proxyFor', () => {
  it('gives session id its preferred proxy and the others the rotation, which it does not advance for them', async () => {
    const list = [proxy('a'), proxy('b'), proxy('c')];
    let calls = 0;
    const sessions = new SessionManager<SessionProxy>({
      config: testConfig(),
      createClient: () => testClient(),
      proxies: { next: () => list[calls++ % list.length] },
      proxyFor: (id) => (id === 2 ? list[2] : undefined),
    });
    managers.push(sessions);
    await sessions.createSessions(3);
    expect(sessions.ids().map((id) => sessions.get(id)?.proxy?.url)).toEqual(['http://a:8080', 'http://c:8080', 'http://b:8080']);
    expect(calls).toBe(2);
  });
});
