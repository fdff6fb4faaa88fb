import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../src/index.js';
import { within } from './request.js';
import { Servers } from './servers.js';

// undici emits `error` on a Client when a handler throws from onError. With no
// listener that event would throw out of undici and crash the process; every
// Client and Pool the factory makes must listen, on every path.

const servers = new Servers();
const clients: HttpClient[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await servers.closeAll();
});

/** A handler with a bug: it throws from onError. Resolves `failed` when undici calls it. */
function throwingHandler(): { handler: Dispatcher.DispatchHandler; failed: Promise<Error> } {
  let resolve!: (error: Error) => void;
  const failed = new Promise<Error>((r) => (resolve = r));
  const handler = {
    onConnect: () => undefined,
    onHeaders: () => true,
    onData: () => true,
    onComplete: () => undefined,
    onError: (error: Error) => {
      resolve(error);
      throw new Error('handler bug');
    },
  } as Dispatcher.DispatchHandler;
  return { handler, failed };
}

type Case = [name: string, options: (deadPort: number) => HttpClientOptions];

const cases: Case[] = [
  ['direct, one connection (Client)', () => ({ connections: 1 })],
  ['direct, a pool (ClientSet)', () => ({ connections: 4 })],
  ['HTTP proxy tunnel, one connection', (port) => ({ connections: 1, proxy: `http://127.0.0.1:${port}` })],
  ['HTTP proxy tunnel, a pool (ReusingPool)', (port) => ({ connections: 4, proxy: `http://127.0.0.1:${port}` })],
  ['HTTP proxy forwarding, a pool (undici Pool)', (port) => ({ connections: 4, proxy: `http://127.0.0.1:${port}`, proxyTunnel: false })],
];

describe('a request handler that throws from onError', () => {
  for (const [name, options] of cases) {
    it(`becomes a process warning, not an unhandled error event: ${name}`, async () => {
      // Recorded instead of printed.
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      // Nothing listens there: as the target when direct, as the proxy otherwise.
      const deadPort = await servers.closedPort();
      const client = createHttpClient(options(deadPort));
      clients.push(client);
      const { handler, failed } = throwingHandler();
      client.dispatcher.dispatch({ origin: `http://127.0.0.1:${deadPort}`, path: '/', method: 'GET' }, handler);

      await within(failed, 5_000, 'the request failing');
      await vi.waitFor(() => expect(warn).toHaveBeenCalled(), { timeout: 2_000 });
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('handler bug'),
        expect.objectContaining({ code: 'SE_WARN_CLIENT_HANDLER_THREW', type: 'SessionEngineWarning' }),
      );
    });
  }
});
