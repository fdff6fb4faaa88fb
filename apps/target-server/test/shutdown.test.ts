import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startTargetServer, type RunningTargetServer } from '../src/index.js';
import { keepAliveAgent, request, until } from './helpers.js';

let server: RunningTargetServer | undefined;
afterEach(async () => {
  await server?.close({ timeoutMs: 0 });
  server = undefined;
});

function arrived(n: number): Promise<void> {
  return until(() => server?.metrics().total_requests === n, `${n} request(s) to arrive`);
}

describe('close()', () => {
  it('lets an in-flight request finish before resolving', async () => {
    server = await startTargetServer({ port: 0 });
    const inFlight = request(`${server.url}/delay?ms=300`);
    await arrived(1);
    await server.close();
    // On resolve the response was written in full, and every socket is gone.
    expect(server.metrics()).toMatchObject({ completed_requests: 1, error_count: 0, active_connections: 0 });
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ delayed_ms: 300 });
  });

  it('closes a keep-alive connection once its in-flight response is written', async () => {
    // Long grace and keep-alive: only the server closing the socket itself can end this promptly.
    server = await startTargetServer({ port: 0, keepAliveTimeout: 600_000, shutdownTimeout: 600_000 });
    const agent = keepAliveAgent();
    try {
      const inFlight = request(`${server.url}/delay?ms=200`, { agent });
      await arrived(1);
      const closing = server.close();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.headers.connection).toBe('keep-alive'); // promised before the shutdown began
      await until(() => server?.metrics().active_connections === 0, 'the server to close the socket');
      await closing;
    } finally {
      agent.destroy();
    }
  });

  it('refuses new connections once closing', async () => {
    server = await startTargetServer({ port: 0 });
    const inFlight = request(`${server.url}/delay?ms=300`);
    await arrived(1);
    const closing = server.close();
    await expect(request(`${server.url}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await inFlight;
    await closing;
  });

  it('closes idle keep-alive sockets instead of waiting out the keep-alive timeout', async () => {
    server = await startTargetServer({ port: 0, keepAliveTimeout: 600_000 });
    const agent = keepAliveAgent();
    try {
      await request(`${server.url}/`, { agent });
      expect(server.metrics().active_connections).toBe(1);
      // Would hang until the test timeout if the idle socket were kept.
      await server.close();
      expect(server.metrics().active_connections).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it('answers requests that arrive on a busy connection while draining with Connection: close, /health with 503', async () => {
    server = await startTargetServer({ port: 0 });
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    const socketClosed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /delay?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived(1);
    const closing = server.close();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await socketClosed;
    await closing;
    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).toContain('{"delayed_ms":200}');
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toContain('"status":"shutting_down"');
  });

  it('destroys what is left when the timeout runs out', async () => {
    server = await startTargetServer({ port: 0 });
    const inFlight = request(`${server.url}/delay?ms=30000`);
    const failed = expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    await arrived(1);
    await server.close({ timeoutMs: 50 });
    await failed;
    expect(server.metrics()).toMatchObject({ active_connections: 0, error_count: 1 });
  });

  it('returns the same promise on every call, and a shorter timeout on a later call forces sooner', async () => {
    server = await startTargetServer({ port: 0, shutdownTimeout: 600_000 });
    const failed = expect(request(`${server.url}/delay?ms=30000`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await arrived(1);
    const first = server.close();
    const second = server.close({ timeoutMs: 0 });
    expect(second).toBe(first);
    await first;
    await failed;
  });

  it('rejects a bad timeout with SE_ERR_TARGET_INVALID_OPTIONS', async () => {
    server = await startTargetServer({ port: 0 });
    await expect(server.close({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'SE_ERR_TARGET_INVALID_OPTIONS' });
  });

  it('logs the shutdown through the log option', async () => {
    const lines: string[] = [];
    server = await startTargetServer({ port: 0, log: (line) => lines.push(line) });
    await server.close({ timeoutMs: 1234 });
    expect(lines).toEqual(['target-server: closing, in-flight requests have 1234 ms to finish']);
  });
});
