import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidOptionError,
  SessionCreationError,
  SessionManager,
  type CreateClientOptions,
  type SessionManagerOptions,
  type SessionProxy,
} from '../src/index.js';
import { startServer, testClient, testConfig, type TestServer, type TrackedClient } from './helpers.js';

let server: TestServer | undefined;
const managers: SessionManager<SessionProxy>[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stopAll()));
  await server?.close();
  server = undefined;
});

function proxy(name: string): SessionProxy {
  return { url: `http://user:pw@${name}:8080`, display: `http://user:***@${name}:8080` };
}

/** Round-robin like ProxyManager.next(). */
function rotation(entries: SessionProxy[]): { next(): SessionProxy | undefined; calls: number } {
  const source = {
    calls: 0,
    next: () => entries[source.calls++ % entries.length],
  };
  return source;
}

function manager(options: Partial<SessionManagerOptions<SessionProxy>> = {}): SessionManager<SessionProxy> {
  const created = new SessionManager<SessionProxy>({
    config: testConfig({ target_url: server?.url ?? '' }),
    createClient: () => testClient(),
    ...options,
  });
  managers.push(created);
  return created;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('SessionManager.createSessions', () => {
  it('creates N sessions with ids from 1 and proxies assigned round-robin in id order', async () => {
    const proxies = rotation([proxy('a'), proxy('b'), proxy('c')]);
    const seen: CreateClientOptions[] = [];
    const sessions = manager({
      proxies,
      createClient: (options) => {
        seen.push(options);
        return testClient();
      },
    });
    const result = await sessions.createSessions(5);
    expect(result).toEqual({ created: 5, ids: [1, 2, 3, 4, 5], errors: [] });
    expect(sessions.count()).toBe(5);
    expect(sessions.ids()).toEqual([1, 2, 3, 4, 5]);
    expect(sessions.ids().map((id) => sessions.get(id)?.proxy?.display)).toEqual([
      'http://user:***@a:8080',
      'http://user:***@b:8080',
      'http://user:***@c:8080',
      'http://user:***@a:8080',
      'http://user:***@b:8080',
    ]);
    // The client of each session is built with that session's proxy.
    expect(seen.map((options) => options.proxy?.display).sort()).toEqual(
      ['a', 'a', 'b', 'b', 'c'].map((name) => `http://user:***@${name}:8080`),
    );
    expect(sessions.get(1)?.state).toBe('idle');
    expect(sessions.get(6)).toBeUndefined();
  });

  it('maps the config onto the client options and the session headers/timeout', async () => {
    const seen: CreateClientOptions[] = [];
    const sessions = new SessionManager<SessionProxy>({
      config: testConfig({
        target_url: 'http://127.0.0.1:9/',
        headers: { 'X-Team': 'core' },
        request_timeout: 1234,
        max_conns_per_host: 7,
        idle_conn_timeout: 999,
        tls_handshake_timeout: 555,
        insecure_tls: true,
      }),
      createClient: (options) => {
        seen.push(options);
        return testClient();
      },
      sessionHeaders: (id) => ({ 'X-Session': String(id) }),
    });
    managers.push(sessions);
    await sessions.createSessions(2);
    expect(seen[0]).toEqual({
      connections: 7,
      keepAliveTimeout: 999,
      connectTimeout: 555,
      requestTimeout: 1234,
      insecureTls: true,
    });
    expect(sessions.get(2)?.headers).toEqual({ 'x-team': 'core', 'x-session': '2' });
  });

  it('connects directly when the proxy source is exhausted or absent', async () => {
    const sessions = manager({ proxies: { next: () => undefined } });
    await sessions.createSessions(2);
    expect(sessions.get(1)?.proxy).toBeUndefined();
    const direct = manager();
    await direct.createSessions(1);
    expect(direct.get(1)?.proxy).toBeUndefined();
  });

  it('reports every creation error with the session id and cause, and registers the rest', async () => {
    const boom = new Error('proxy unusable');
    const sessions = manager({
      proxies: rotation([proxy('good'), proxy('bad')]),
      createClient: async (options) => {
        await Promise.resolve();
        if (options.proxy?.display.includes('bad') === true) throw boom;
        return testClient();
      },
    });
    const result = await sessions.createSessions(5);
    expect(result.created).toBe(3);
    expect(result.ids).toEqual([1, 3, 5]);
    expect(result.errors.map((error) => error.sessionId)).toEqual([2, 4]);
    for (const error of result.errors) {
      expect(error).toBeInstanceOf(SessionCreationError);
      expect(error.code).toBe('SE_ERR_SESSION_CREATE');
      expect(error.cause).toBe(boom);
      expect(error.message).toContain('proxy unusable');
      expect(error.message).toContain('http://user:***@bad:8080');
      expect(error.message).not.toContain(':pw@');
    }
    expect(sessions.ids()).toEqual([1, 3, 5]);
  });

  it('never reuses an id, not even a failed one', async () => {
    let fail = true;
    const sessions = manager({
      createClient: () => {
        if (fail) throw new Error('first fails');
        return testClient();
      },
    });
    expect((await sessions.createSessions(1)).errors[0]?.sessionId).toBe(1);
    fail = false;
    expect((await sessions.createSessions(2)).ids).toEqual([2, 3]);
    await sessions.remove(1);
    expect((await sessions.add(1)).ids).toEqual([4]);
    await sessions.stopAll();
    expect((await sessions.createSessions(1)).ids).toEqual([5]);
  });

  it('numbers sessions from firstId, so managers side by side (threads) never share an id', async () => {
    const first = manager();
    const second = manager({ firstId: 4 });
    expect((await first.createSessions(3)).ids).toEqual([1, 2, 3]);
    expect((await second.createSessions(3)).ids).toEqual([4, 5, 6]);
    expect((await second.add(1)).ids).toEqual([7]);
    for (const firstId of [0, 1.5, Number.NaN]) expect(() => manager({ firstId })).toThrow(InvalidOptionError);
  });

  it('gives sessions added at runtime the addedIds sequence, so managers side by side add unique ids', async () => {
    // Two parts of 5 sessions at start (2 + 3): each adds on its own stride above 5.
    const first = manager({ addedIds: { first: 6, step: 2 } });
    const second = manager({ firstId: 3, addedIds: { first: 7, step: 2 } });
    expect((await first.createSessions(2)).ids).toEqual([1, 2]);
    expect((await second.createSessions(3)).ids).toEqual([3, 4, 5]);
    expect((await first.add(3)).ids).toEqual([6, 8, 10]);
    expect((await second.add(1)).ids).toEqual([7]);
    expect((await second.add(2)).ids).toEqual([9, 11]);
    expect(first.ids()).toEqual([1, 2, 6, 8, 10]);
    for (const addedIds of [{ first: 0, step: 1 }, { first: 1, step: 0 }, { first: 1.5, step: 2 }]) {
      expect(() => manager({ addedIds })).toThrow(InvalidOptionError);
    }
  });

  it('creates in parallel, never more than creationConcurrency at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const sessions = manager({
      creationConcurrency: 4,
      createClient: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        const gate = deferred();
        gates.push(gate.resolve);
        await gate.promise;
        inFlight--;
        return testClient();
      },
    });
    const pending = sessions.createSessions(10);
    // Open the gates one at a time until every creation has run.
    let opened = 0;
    while (opened < 10) {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThan(opened));
      gates[opened++]?.();
    }
    const result = await pending;
    expect(result.created).toBe(10);
    expect(peak).toBe(4);
  });

  it('rejects a bad count, a bad concurrency and a bad target_url with SE_ERR_SESSION_INVALID_OPTIONS', async () => {
    const sessions = manager();
    await expect(sessions.createSessions(-1)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(sessions.createSessions(1.5)).rejects.toMatchObject({ code: 'SE_ERR_SESSION_INVALID_OPTIONS' });
    await expect(sessions.remove(-1)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(() => manager({ creationConcurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => manager({ config: testConfig({ target_url: 'nope' }) })).toThrow(/target_url/);
    expect(await sessions.createSessions(0)).toEqual({ created: 0, ids: [], errors: [] });
  });
});

describe('SessionManager lifecycle', () => {
  it('startAll activates idle and paused sessions; pauseAll pauses active ones; active() lists them', async () => {
    const sessions = manager();
    await sessions.createSessions(3);
    expect(sessions.active()).toEqual([]);
    sessions.startAll();
    expect(sessions.active().map((s) => s.id)).toEqual([1, 2, 3]);
    sessions.get(2)?.pause();
    expect(sessions.active().map((s) => s.id)).toEqual([1, 3]);
    sessions.startAll();
    expect(sessions.active().map((s) => s.id)).toEqual([1, 2, 3]);
    sessions.pauseAll();
    expect(sessions.ids().map((id) => sessions.get(id)?.state)).toEqual(['paused', 'paused', 'paused']);
    expect(sessions.active()).toEqual([]);
  });

  it('add(n) scales up at runtime: new sessions start active after startAll, idle after pauseAll', async () => {
    const sessions = manager();
    await sessions.createSessions(2);
    sessions.startAll();
    const added = await sessions.add(2);
    expect(added.ids).toEqual([3, 4]);
    expect(sessions.get(4)?.state).toBe('active');
    expect(sessions.count()).toBe(4);
    sessions.pauseAll();
    await sessions.add(1);
    expect(sessions.get(5)?.state).toBe('idle');
  });

  it('add(n, options): prepare sees the new ids first, proxyFor picks proxies, and a session registers only once its setUp settled', async () => {
    const list = [proxy('a'), proxy('b'), proxy('c')];
    const source = rotation(list);
    const clients: TrackedClient[] = [];
    const sessions = manager({
      proxies: source,
      createClient: () => {
        const client = testClient();
        clients.push(client);
        return client;
      },
    });
    await sessions.createSessions(1);
    sessions.startAll();
    const order: string[] = [];
    const gate = deferred();
    const adding = sessions.add(3, {
      prepare: async (ids) => {
        order.push(`prepare ${ids.join(',')}`);
      },
      proxyFor: (id) => (id === 3 ? list[2] : undefined),
      setUp: async (session) => {
        order.push(`setUp ${session.id}`);
        if (session.id === 4) throw new Error('bad saved entry');
        await gate.promise;
        session.variables.set('restored', 'yes');
      },
    });
    await vi.waitFor(() => expect(order).toHaveLength(4));
    // Created, not yet set up: nothing that follows ids() sees them.
    expect(sessions.ids()).toEqual([1]);
    gate.resolve();
    const added = await adding;
    expect(order[0]).toBe('prepare 2,3,4');
    expect(added.ids).toEqual([2, 3]);
    expect(added.errors.map((error) => [error.sessionId, error.message])).toEqual([[4, 'session 4 could not be created: set-up failed: bad saved entry']]);
    expect(sessions.ids()).toEqual([1, 2, 3]);
    expect([2, 3].map((id) => [sessions.get(id)?.state, sessions.get(id)?.variables.get('restored')])).toEqual([
      ['active', 'yes'],
      ['active', 'yes'],
    ]);
    // Session 3 on the proxy proxyFor chose; 2 and 4 took the rotation's next ones, after session 1's.
    expect([1, 2, 3].map((id) => sessions.get(id)?.proxy?.url)).toEqual([list[0]?.url, list[1]?.url, list[2]?.url]);
    expect(source.calls).toBe(3);
    // The session whose setUp failed was closed, not registered.
    expect(clients.filter((client) => client.closed === 1)).toHaveLength(1);
  });

  it('add(n, options) rejects with the error of prepare and creates nothing', async () => {
    const sessions = manager();
    await sessions.createSessions(1);
    await expect(sessions.add(2, { prepare: () => Promise.reject(new Error('store down')) })).rejects.toThrow('store down');
    expect(sessions.ids()).toEqual([1]);
  });

  it('remove(n) closes and forgets n sessions, idle first, then paused, then active, newest first', async () => {
    const clients = new Map<number, TrackedClient>();
    let next = 0;
    const sessions = manager({
      createClient: () => {
        const client = testClient();
        clients.set(++next, client);
        return client;
      },
    });
    await sessions.createSessions(6);
    for (const id of [1, 2, 3, 4]) sessions.get(id)?.activate();
    sessions.get(2)?.pause();
    sessions.get(3)?.pause();
    // idle: 5, 6   paused: 2, 3   active: 1, 4
    expect(await sessions.remove(3)).toEqual([6, 5, 3]);
    expect(sessions.ids()).toEqual([1, 2, 4]);
    expect(await sessions.remove(2)).toEqual([2, 4]);
    expect(sessions.ids()).toEqual([1]);
    // Creation order equals id order here (one session per client call, sequential ids).
    const closed = [...clients.entries()].filter(([, client]) => client.closed > 0).map(([id]) => id);
    expect(closed.sort()).toEqual([2, 3, 4, 5, 6]);
    expect(await sessions.remove(5)).toEqual([1]);
    expect(sessions.count()).toBe(0);
  });

  it('stopAll closes every client: no server-side socket stays open, and it is idempotent', async () => {
    server = await startServer((_req, res) => res.end('ok'));
    const sessions = manager({ config: testConfig({ target_url: server.url }) });
    await sessions.createSessions(4);
    sessions.startAll();
    await Promise.all(sessions.active().map((session) => session.request({ path: '/' })));
    expect(server.connections()).toBe(4);
    expect(server.openSockets()).toBe(4);
    const kept = sessions.get(1);

    await sessions.stopAll();
    expect(sessions.count()).toBe(0);
    expect(sessions.active()).toEqual([]);
    expect(kept?.state).toBe('closed');
    // The server learns of each FIN shortly after the client sent it.
    await vi.waitFor(() => expect(server?.openSockets()).toBe(0), { timeout: 5_000, interval: 20 });
    await expect(sessions.stopAll()).resolves.toBeUndefined();
  });

  it('stopAll({ force }) aborts in-flight requests, also of sessions a graceful stopAll or remove is still closing', async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const sessions = manager({ config: testConfig({ target_url: server.url, request_timeout: 0 }) });
    await sessions.createSessions(3);
    const pending = sessions.ids().map((id) => sessions.get(id)?.request({}).catch((e: unknown) => e));
    await vi.waitFor(() => expect(server?.connections()).toBe(3));
    let removed = false;
    const removing = sessions.remove(1).then(() => {
      removed = true;
    });
    let stopped = false;
    const graceful = sessions.stopAll().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect([removed, stopped]).toEqual([false, false]);

    await sessions.stopAll({ force: true });
    await Promise.all([removing, graceful]);
    for (const error of await Promise.all(pending)) {
      expect(error).toMatchObject({ code: 'SE_ERR_SESSION_REQUEST', causeCode: 'session_closed' });
    }
    await vi.waitFor(() => expect(server?.openSockets()).toBe(0), { timeout: 5_000, interval: 20 });
  });

  it('stopAll skips creations that had not started yet', async () => {
    const gate = deferred();
    let calls = 0;
    const sessions = manager({
      creationConcurrency: 1,
      createClient: async () => {
        calls++;
        await gate.promise;
        return testClient();
      },
    });
    const pending = sessions.createSessions(3);
    await vi.waitFor(() => expect(calls).toBe(1));
    await sessions.stopAll();
    gate.resolve();
    const result = await pending;
    expect(result.errors.map((error) => error.sessionId)).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
  });

  it('logs creation failures as warnings with the session id and the masked proxy', async () => {
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    const logger = {
      debug: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'debug', msg, fields }),
      warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', msg, fields }),
    };
    const sessions = manager({
      logger,
      proxies: rotation([proxy('ok'), proxy('bad')]),
      createClient: (options) => {
        if (options.proxy?.display.includes('bad') === true) throw new Error('refused');
        return testClient();
      },
    });
    await sessions.createSessions(2);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toEqual([
      {
        level: 'warn',
        msg: 'session creation failed',
        fields: { sessionId: 2, proxy: 'http://user:***@bad:8080', error: 'refused' },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(':pw@');
  });

  it('stopAll during creation closes sessions that finish afterwards and reports them as errors', async () => {
    const gate = deferred();
    const clients: TrackedClient[] = [];
    const sessions = manager({
      createClient: async () => {
        const client = testClient();
        clients.push(client);
        await gate.promise;
        return client;
      },
    });
    const pending = sessions.createSessions(3);
    await vi.waitFor(() => expect(clients).toHaveLength(3));
    await sessions.stopAll();
    gate.resolve();
    const result = await pending;
    expect(result.created).toBe(0);
    expect(result.errors.map((error) => error.sessionId)).toEqual([1, 2, 3]);
    expect(result.errors[0]?.message).toContain('stopped');
    expect(clients.every((client) => client.closed === 1)).toBe(true);
    expect(sessions.count()).toBe(0);
  });
});
