/**
 * Real servers on 127.0.0.1, port 0, for the integration tests: targets that
 * count their sockets, an HTTP proxy (`proxy`), a SOCKS5 proxy
 * (`@pondwader/socks5-server`) and a tiny SOCKS4 proxy. Every server is
 * registered with a `Servers` set whose `closeAll()` runs in afterEach.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { unacceptingListener } from '@session-engine/test-support';
import { Socks5Server } from '@pondwader/socks5-server';
import { createProxy } from 'proxy';

export const tlsFixture = {
  cert: readFileSync(new URL('./fixtures/cert.pem', import.meta.url)),
  key: readFileSync(new URL('./fixtures/key.pem', import.meta.url)),
};

type Closer = () => Promise<void>;


/** Sockets a server accepted: how many ever, which are open, and a wait for them all to close. */
export class SocketLog {
  accepted = 0;
  readonly open = new Set<net.Socket>();
  #waiters: (() => void)[] = [];

  track(socket: net.Socket): void {
    this.accepted++;
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      if (this.open.size === 0) for (const resolve of this.#waiters.splice(0)) resolve();
    });
  }

  /** Resolves once no accepted socket is open (bounded by the test timeout). */
  allClosed(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
  }
}

export interface Target {
  readonly url: string;
  readonly sockets: SocketLog;
  /** Requests seen, in order: method, path, the Cookie header and whether TLS was resumed. */
  readonly requests: { method: string; path: string; cookie: string | undefined; resumed: boolean }[];
  /** Responses held by `/hang` until released (or the socket dies). */
  readonly hanging: http.ServerResponse[];
}

/**
 * Routes: `/` "ok"; `/set-cookie` two cookies; `/close` answers with
 * `Connection: close`; `/hang` never answers; `/stall-body` sends headers and
 * part of the body, then stalls.
 */
function handler(target: Target, tls: boolean): http.RequestListener {
  return (req, res) => {
    const path = req.url ?? '/';
    const resumed = tls && (req.socket as import('node:tls').TLSSocket).isSessionReused();
    target.requests.push({ method: req.method ?? '', path, cookie: req.headers.cookie, resumed });
    req.resume();
    switch (path) {
      case '/set-cookie':
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
        res.end('ok');
        return;
      case '/close':
        res.setHeader('connection', 'close');
        res.end('ok');
        return;
      case '/hang':
        target.hanging.push(res);
        return;
      case '/stall-body':
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        return;
      default:
        res.end('ok');
    }
  };
}

export class Servers {
  readonly #closers: Closer[] = [];

  async closeAll(): Promise<void> {
    const closers = this.#closers.splice(0).reverse();
    for (const close of closers) await close();
  }

  async #listen(server: net.Server, log: SocketLog): Promise<number> {
    server.on('connection', (socket: net.Socket) => log.track(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#closers.push(async () => {
      log.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return (server.address() as AddressInfo).port;
  }

  async httpTarget(): Promise<Target> {
    const target: Target = { url: '', sockets: new SocketLog(), requests: [], hanging: [] };
    const server = http.createServer(handler(target, false));
    const port = await this.#listen(server, target.sockets);
    return Object.assign(target, { url: `http://127.0.0.1:${port}` });
  }

  async httpsTarget(): Promise<Target> {
    const target: Target = { url: '', sockets: new SocketLog(), requests: [], hanging: [] };
    const server = https.createServer(tlsFixture, handler(target, true));
    // Count TCP sockets, not TLS ones: 'connection' fires for the raw socket.
    const port = await this.#listen(server, target.sockets);
    return Object.assign(target, { url: `https://127.0.0.1:${port}` });
  }

  /** Accepts TCP connections and never says a word (a stalled TLS server, a dead SOCKS proxy). */
  async silent(): Promise<{ port: number; sockets: SocketLog }> {
    const sockets = new SocketLog();
    // Reading (and dropping) the input is what lets us see the client's FIN as 'close'.
    const server = net.createServer((socket) => socket.resume());
    return { port: await this.#listen(server, sockets), sockets };
  }

  /** A listener whose connects hang (its accept queue is full): see @session-engine/test-support. */
  async unaccepting(): Promise<{ port: number }> {
    const listener = await unacceptingListener();
    this.#closers.push(() => listener.close());
    return { port: listener.port };
  }

  /** A port nothing listens on (bound, then closed). */
  async closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  /** The `proxy` package's HTTP proxy (CONNECT and forwarding); optional Basic credentials. */
  async httpProxy(options: { auth?: { username: string; password: string }; tls?: boolean } = {}) {
    const seen = { connects: [] as string[], forwarded: [] as string[], authHeaders: [] as (string | undefined)[] };
    const base = options.tls ? https.createServer(tlsFixture) : http.createServer();
    // Listeners first, so they see each request before the proxy handles it.
    base.on('connect', (req: http.IncomingMessage) => {
      seen.connects.push(req.url ?? '');
      seen.authHeaders.push(req.headers['proxy-authorization']);
    });
    base.on('request', (req: http.IncomingMessage) => {
      seen.forwarded.push(req.url ?? '');
      seen.authHeaders.push(req.headers['proxy-authorization']);
    });
    const server = createProxy(base);
    if (options.auth) {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      server.authenticate = (req) => req.headers['proxy-authorization'] === expected;
    }
    const sockets = new SocketLog();
    const port = await this.#listen(server, sockets);
    return { port, sockets, seen };
  }

  /** @pondwader/socks5-server over our own net.Server (so we know the port and can close sockets). */
  async socks5(options: { auth?: { username: string; password: string } } = {}) {
    const socks = new Socks5Server();
    const destinations: string[] = [];
    socks.setRulesetValidator((conn) => {
      destinations.push(`${conn.destAddress}:${conn.destPort}`);
      return true;
    });
    const auth = options.auth;
    if (auth) socks.setAuthHandler((conn) => conn.username === auth.username && conn.password === auth.password);
    const server = net.createServer((socket) => socks._handleConnection(socket));
    const sockets = new SocketLog();
    const port = await this.#listen(server, sockets);
    return { port, sockets, destinations };
  }

  /**
   * A minimal SOCKS4/4a proxy: reads VN CD DSTPORT DSTIP USERID\0 [HOST\0],
   * connects, answers 0x5A and pipes. Records the user id and destination.
   */
  async socks4() {
    const seen: { userId: string; destination: string }[] = [];
    const server = net.createServer((client) => {
      client.on('error', () => undefined);
      let buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        buffer = Buffer.concat([buffer, chunk]);
        const userEnd = buffer.indexOf(0, 8);
        if (buffer.length < 9 || userEnd === -1) return;
        const port = buffer.readUInt16BE(2);
        const ip = [...buffer.subarray(4, 8)].join('.');
        let host = ip;
        let end = userEnd + 1;
        if (ip.startsWith('0.0.0.') && ip !== '0.0.0.0') {
          const hostEnd = buffer.indexOf(0, end);
          if (hostEnd === -1) return;
          host = buffer.subarray(end, hostEnd).toString();
          end = hostEnd + 1;
        }
        client.removeListener('data', onData);
        seen.push({ userId: buffer.subarray(8, userEnd).toString(), destination: `${host}:${port}` });
        const upstream = net.connect({ host, port }, () => {
          client.write(Buffer.from([0, 0x5a, 0, 0, 0, 0, 0, 0]));
          if (buffer.length > end) upstream.write(buffer.subarray(end));
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => {
          client.end(Buffer.from([0, 0x5b, 0, 0, 0, 0, 0, 0]));
        });
        client.on('close', () => upstream.destroy());
      };
      client.on('data', onData);
    });
    const sockets = new SocketLog();
    const port = await this.#listen(server, sockets);
    return { port, sockets, seen };
  }
}
