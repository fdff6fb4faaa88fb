import net from 'node:net';
import { SocksClient, type SocksProxy } from 'socks';
import { errors as undiciErrors, type buildConnector } from 'undici';
import { ProxyAuthError, ProxyConnectError } from './errors.js';
import type { ProxyTarget } from './proxy-target.js';

/** A connector plus a way to abort the handshakes it still has in progress. */
export interface AbortableConnector {
  readonly connect: buildConnector.connector;
  /** Destroys every socket still in its SOCKS or TLS handshake; their callbacks get `error`. */
  abortAll(error: Error): void;
}

export interface SocksConnectorOptions {
  /** Limit for TCP connect to the proxy plus the SOCKS handshake (the TLS connector has its own). */
  readonly timeout: number;
  /** Runs TLS over the tunnel for https targets (undici's connector: servername, ALPN, session cache). */
  readonly tls: buildConnector.connector;
}

// socks reports failures as message strings only; this one means bad credentials.
const SOCKS5_AUTH_FAILED = 'Socks5 Authentication failed';

/**
 * An undici `connect` function that opens each connection through a SOCKS4/5
 * proxy with the `socks` package. Being a plain connector, every Agent/Pool
 * option (connections, keep-alive, timeouts) applies unchanged, unlike
 * undici's experimental Socks5ProxyAgent. We open the TCP socket ourselves and
 * hand it to `socks` as `existing_socket` so `abortAll` can destroy it.
 *
 * Until the tunnel is open nothing was sent to the target, so the failures
 * before it read as connection failures, as with an HTTP proxy: the proxy's
 * own socket error (ECONNREFUSED, ...) when it cannot be reached, and
 * UND_ERR_CONNECT_TIMEOUT when connecting and the handshake outlast `timeout`
 * (both retried, even for a POST, and counted against the proxy). A proxy that
 * answers but refuses the tunnel is a ProxyConnectError (or ProxyAuthError).
 */
export function createSocksConnector(proxy: ProxyTarget, options: SocksConnectorOptions): AbortableConnector {
  const pending = new Set<(error: Error) => void>();
  const socksProxy: SocksProxy = {
    host: proxy.host,
    port: proxy.port,
    type: proxy.protocol === 'socks4' ? 4 : 5,
    // SOCKS4 has only a user id; SOCKS5 needs both parts once either is set.
    ...(proxy.username !== undefined ? { userId: proxy.username } : {}),
    ...(proxy.protocol === 'socks5' && proxy.username !== undefined ? { password: proxy.password ?? '' } : {}),
  };

  const connect: buildConnector.connector = ({ hostname, host, protocol, port, servername }, callback) => {
    const destination = { host: hostname, port: port ? Number(port) : protocol === 'https:' ? 443 : 80 };
    const where = `${destination.host}:${destination.port}`;
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let settled = false;

    const finish = (error: Error | null, result?: net.Socket): void => {
      if (settled) {
        if (result !== undefined && result !== socket) result.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      pending.delete(finish);
      if (error !== null || result === undefined) {
        socket.destroy();
        callback(error ?? new ProxyConnectError(proxy.display, `no socket for ${where}`), null);
      } else {
        callback(null, result);
      }
    };
    pending.add(finish);

    const timer = setTimeout(() => {
      finish(new undiciErrors.ConnectTimeoutError(`${proxy.display}: no tunnel to ${where} within ${options.timeout} ms`));
    }, options.timeout);

    // The proxy cannot be reached: its socket error as it is, like undici's for an HTTP proxy or a direct connection.
    const onEarlyError = (cause: Error): void => finish(cause);
    socket.once('error', onEarlyError);
    socket.once('connect', () => {
      socket.removeListener('error', onEarlyError);
      SocksClient.createConnection({
        proxy: socksProxy,
        command: 'connect',
        destination,
        existing_socket: socket,
        timeout: options.timeout,
      }).then(
        () => {
          if (settled) return;
          socket.setNoDelay(true);
          socket.setKeepAlive(true, 60_000);
          if (protocol !== 'https:') {
            finish(null, socket);
            return;
          }
          options.tls(
            { hostname, host, protocol, port: String(destination.port), servername, httpSocket: socket },
            (error, tlsSocket) => {
              if (error) finish(error);
              else finish(null, tlsSocket);
            },
          );
        },
        (cause: Error) => {
          const message = `SOCKS handshake for ${where} failed: ${cause.message}`;
          finish(
            cause.message.startsWith(SOCKS5_AUTH_FAILED)
              ? new ProxyAuthError(proxy.display, message, { cause })
              : new ProxyConnectError(proxy.display, message, { cause }),
          );
        },
      );
    });
    // Like undici's own connector: whoever abandons the connect can destroy the socket.
    return socket;
  };

  return {
    connect,
    abortAll(error) {
      for (const finish of [...pending]) finish(error);
    },
  };
}
