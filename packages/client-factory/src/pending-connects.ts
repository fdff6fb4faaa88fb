import net from 'node:net';
import type { buildConnector } from 'undici';

type Abandon = (error: Error) => void;

const noop = (): void => undefined;

/**
 * One client's connects in progress, so that they can be abandoned.
 *
 * undici cannot take back a request that waits for a connection: it only
 * gives a request its abort function once the request is written to a
 * socket, and the connect is bounded by the connect timeout alone. A caller
 * whose deadline covers connecting (a session's `request_timeout`) abandons
 * the connects instead: the connect callback gets the error at once, so undici
 * fails the requests waiting for it, and the socket (when the connector
 * returns one) is destroyed. A socket that still arrives later is destroyed.
 */
export class PendingConnects {
  #pending: Set<Abandon> | undefined = undefined;

  /** `connector`, tracked by this client. */
  wrap(connector: buildConnector.connector): buildConnector.connector {
    return (options, callback) => {
      let done = false;
      let socket: net.Socket | undefined;
      const finish: buildConnector.Callback = (...args) => {
        if (done) {
          // Abandoned earlier: nobody waits for this socket any more.
          args[1]?.on('error', noop).destroy();
          return;
        }
        done = true;
        this.#pending?.delete(abandon);
        callback(...args);
      };
      const abandon: Abandon = (error) => {
        finish(error, null);
        socket?.on('error', noop).destroy(error);
      };
      (this.#pending ??= new Set()).add(abandon);
      // undici's own connector returns its socket (a custom one may return nothing).
      const returned = connector(options, finish) as unknown;
      if (returned instanceof net.Socket && !done) socket = returned;
    };
  }

  /** Fails every connect in progress with `error`; true if there was one. */
  abortAll(error: Error): boolean {
    const pending = this.#pending;
    if (pending === undefined || pending.size === 0) return false;
    for (const abandon of [...pending]) abandon(error);
    return true;
  }
}
