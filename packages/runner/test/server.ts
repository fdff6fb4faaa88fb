import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TestServer {
  readonly url: string;
  /** Requests answered or started, by path. */
  requests(path?: string): number;
  /** Server-side sockets not yet closed. */
  openSockets(): number;
  /** Bodies and headers seen, for redaction checks. */
  readonly seen: { body: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/**
 * A real node:http server on 127.0.0.1, port 0: `/` answers 200 at once,
 * `/slow?ms=N` after N ms, `/login` sets a cookie and answers `{ "token": ... }`,
 * `/redirect?to=P` answers 302 to P (no `to`: to itself, a loop).
 */
export async function startServer(): Promise<TestServer> {
  const counts = new Map<string, number>();
  const seen: TestServer['seen'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (seen.length < 100) seen.push({ body, headers: req.headers });
      if (url.pathname === '/slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) res.end('slow');
        }, Number(url.searchParams.get('ms') ?? 1000));
        timers.add(timer);
        return;
      }
      if (url.pathname === '/login') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sid=abc; Path=/' }).end('{"token":"t-1"}');
        return;
      }
      if (url.pathname === '/redirect') {
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/redirect' }).end();
        return;
      }
      res.end('ok');
    });
  };
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: (path) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0)),
    openSockets: () => open.size,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `check()` is true, polling every 20 ms, for at most `ms`. */
export async function eventually(check: () => boolean, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
