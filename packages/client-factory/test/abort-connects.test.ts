import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../src/index.js';
import { get, rejection, within } from './request.js';
import { Servers } from './servers.js';

// undici cannot take back a request that waits for a connection; abortConnects
// gives a caller whose deadline covers connecting a way to end it anyway.

const servers = new Servers();
const clients: HttpClient[] = [];

function client(options: HttpClientOptions): HttpClient {
  const created = createHttpClient({ connectTimeout: 10_000, requestTimeout: 0, ...options });
  clients.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await servers.closeAll();
});

/**
 * Resolves when an undici Client starts connecting to `port` (its connector is
 * called right after this diagnostics event, in the same tick).
 */
function connecting(port: number): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (Number((message as { connectParams: { port: string } }).connectParams.port) !== port) return;
      diagnostics.unsubscribe('undici:client:beforeConnect', onMessage);
      setImmediate(resolve);
    };
    diagnostics.subscribe('undici:client:beforeConnect', onMessage);
  });
}

interface Route {
  name: string;
  options: (hanging: number) => HttpClientOptions;
  /** Where the request goes, and which connect undici starts (the SOCKS connect is ours, so undici sees the target). */
  url: (hanging: number, live: number) => string;
  watch: (hanging: number, live: number) => number;
}

// In each route the connect that hangs is a different one: to the target, to an HTTP proxy, to a SOCKS proxy.
const routes: Route[] = [
  { name: 'direct, one connection', options: () => ({ connections: 1 }), url: (h) => `http://127.0.0.1:${h}/`, watch: (h) => h },
  { name: 'direct, a pool', options: () => ({ connections: 4 }), url: (h) => `http://127.0.0.1:${h}/`, watch: (h) => h },
  { name: 'direct https', options: () => ({ connections: 1, insecureTls: true }), url: (h) => `https://127.0.0.1:${h}/`, watch: (h) => h },
  {
    name: 'HTTP proxy tunnel',
    options: (h) => ({ connections: 1, proxy: `http://127.0.0.1:${h}` }),
    url: (_h, live) => `http://127.0.0.1:${live}/`,
    watch: (h) => h,
  },
  {
    name: 'HTTP proxy forwarding',
    options: (h) => ({ connections: 4, proxy: `http://127.0.0.1:${h}`, proxyTunnel: false }),
    url: (_h, live) => `http://127.0.0.1:${live}/`,
    watch: (h) => h,
  },
  {
    name: 'SOCKS5 proxy',
    options: (h) => ({ connections: 1, proxy: `socks5://127.0.0.1:${h}` }),
    url: (_h, live) => `http://127.0.0.1:${live}/`,
    watch: (_h, live) => live,
  },
];

describe('abortConnects', () => {
  for (const route of routes) {
    it(`fails a request waiting for a hanging connect at once, and nothing is left to wait for: ${route.name}`, async () => {
      const { port: hanging } = await servers.unaccepting();
      const live = Number(new URL((await servers.httpTarget()).url).port);
      const c = client(route.options(hanging));
      const started = connecting(route.watch(hanging, live));
      const pending = rejection(get(c, route.url(hanging, live)));
      await started;

      const reason = new Error('deadline passed');
      expect(c.abortConnects(reason)).toBe(true);
      const error = await within(pending, 1_000, 'the request failing');
      expect(error).toBe(reason);
      expect(c.abortConnects(new Error('again'))).toBe(false);
      // A graceful close has no request left to wait for.
      await within(c.close(), 1_000, 'a graceful close');
    });
  }

  it('leaves open connections alone and lets the next request connect afresh', async () => {
    const target = await servers.httpTarget();
    const c = client({ connections: 1 });
    expect((await get(c, `${target.url}/`)).body).toBe('ok');
    const slow = get(c, `${target.url}/hang`);
    await expect.poll(() => target.hanging.length).toBe(1);
    expect(c.abortConnects(new Error('nothing to abandon'))).toBe(false);
    target.hanging.shift()?.end('late');
    expect((await slow).body).toBe('late');
    expect(target.sockets.accepted).toBe(1);
  });

  it('a client whose connect was abandoned connects again for the next request', async () => {
    const { port: hanging } = await servers.unaccepting();
    const target = await servers.httpTarget();
    const c = client({ connections: 1, proxy: `http://127.0.0.1:${hanging}` });
    let started = connecting(hanging);
    const first = rejection(get(c, `${target.url}/`));
    await started;
    c.abortConnects(new Error('deadline passed'));
    await first;
    // The proxy still hangs, so the second request is again waiting for a connect of its own.
    started = connecting(hanging);
    const second = rejection(get(c, `${target.url}/`));
    await started;
    expect(c.abortConnects(new Error('second deadline'))).toBe(true);
    expect((await within(second, 1_000, 'the second request failing')).message).toBe('second deadline');
  });
});
