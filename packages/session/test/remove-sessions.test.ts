import { afterEach, describe, expect, it } from 'vitest';
import { SessionManager, type SessionProxy } from '../src/index.js';
import { testClient, testConfig, type TrackedClient } from './helpers.js';

const managers: SessionManager<SessionProxy>[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stopAll()));
});

describe('SessionManager.removeSessions(ids)', () => {
  it('closes and forgets exactly the sessions with these ids, skipping unknown ones', async () => {
    const clients = new Map<number, TrackedClient>();
    let next = 0;
    const sessions = new SessionManager<SessionProxy>({
      config: testConfig({}),
      createClient: () => {
        const client = testClient();
        clients.set(++next, client);
        return client;
      },
    });
    managers.push(sessions);
    await sessions.createSessions(5);
    sessions.startAll();
    expect(await sessions.removeSessions([5, 4, 99])).toEqual([5, 4]);
    expect(sessions.ids()).toEqual([1, 2, 3]);
    const closed = [...clients.entries()].filter(([, client]) => client.closed > 0).map(([id]) => id);
    expect(closed.sort()).toEqual([4, 5]);
    // Scaling up again gives new ids: a removed identity never comes back.
    const added = await sessions.add(2);
    expect(added.ids).toEqual([6, 7]);
    expect(sessions.get(6)?.state).toBe('active');
  });
});
