import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpClient, type HttpClientOptions } from '@session-engine/client-factory';
import type { SessionClient, SessionConfig } from '../src/index.js';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Server-side sockets not yet closed. */
  openSockets(): number;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1, port 0, that counts its sockets. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server: Server = createServer(handler);
  // Long keep-alive: only the client may close idle sockets in these tests.
  server.keepAliveTimeout = 60_000;
  const open = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    openSockets: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was just free: nothing listens there. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TrackedClient extends SessionClient {
  closed: number;
  destroyed: number;
}

/**
 * The real client-factory client (own undici dispatcher and cookie jar) with
 * long keep-alive and no undici timeouts, counting close/destroy calls.
 */
export function testClient(connections = 1, options: HttpClientOptions = {}): TrackedClient {
  const inner = createHttpClient({ connections, keepAliveTimeout: 60_000, requestTimeout: 0, ...options });
  const client: TrackedClient = {
    dispatcher: inner.dispatcher,
    cookieJar: inner.cookieJar,
    closed: 0,
    destroyed: 0,
    close: () => {
      client.closed++;
      return inner.close();
    },
    destroy: (error?: Error) => {
      client.destroyed++;
      return inner.destroy(error);
    },
    abortConnects: (error: Error) => inner.abortConnects(error),
  };
  return client;
}

export function testConfig(overrides: Partial<SessionConfig> = {}): SessionConfig {
  return {
    target_url: '',
    headers: {},
    request_timeout: 10_000,
    max_conns_per_host: 1,
    idle_conn_timeout: 60_000,
    tls_handshake_timeout: 5_000,
    insecure_tls: false,
    ...overrides,
  };
}

/**
 * How `promise` settled, or a rejection if it has not settled within `ms`.
 * For generous bounds on "it settles at all", never to measure time.
 */
export async function settlement<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.allSettled([promise]).then(([result]) => result!), pending]);
  } finally {
    clearTimeout(timer);
  }
}

export { unacceptingListener, type UnacceptingListener } from '@session-engine/test-support';
