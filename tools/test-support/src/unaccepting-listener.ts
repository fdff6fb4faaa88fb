/**
 * A loopback listener that never accepts, for connect timeouts: a worker
 * thread listens with a backlog of 1 and blocks, and held connections fill
 * the accept queue.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface UnacceptingListener {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// Runs in a worker: listens with a backlog of 1, reports its port, then blocks
// its thread, so nothing ever accepts and the kernel's accept queue fills up.
const UNACCEPTING_WORKER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const server = net.createServer();
server.listen(0, '127.0.0.1', 1, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
  server.close();
});`;

/**
 * A loopback listener whose connects hang: its accept queue is full, so Linux
 * drops further SYNs (whatever tcp_syncookies says) and a connect waits until
 * the client gives up. The queue is filled with held connections, one at a
 * time, until one no longer completes.
 */
export async function unacceptingListener(): Promise<UnacceptingListener> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(UNACCEPTING_WORKER, { eval: true, workerData: flag.buffer });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const held: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of held) socket.destroy();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await worker.terminate();
  };
  for (;;) {
    const socket = net.connect(port, '127.0.0.1').on('error', () => undefined);
    held.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
    if (held.length > 64) {
      await close();
      throw new Error('the accept queue never filled: connects to it do not hang on this system');
    }
  }
  return { url: `http://127.0.0.1:${port}`, port, close };
}
