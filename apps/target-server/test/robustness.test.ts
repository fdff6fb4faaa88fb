import { afterEach, describe, expect, it } from 'vitest';
import { startTargetServer, type RunningTargetServer } from '../src/index.js';
import { connect } from 'node:net';
import { keepAliveAgent, rawExchange, request, until } from './helpers.js';

let server: RunningTargetServer | undefined;
afterEach(async () => {
  await server?.close({ timeoutMs: 2_000 });
  server = undefined;
});

describe('request limits', () => {
  it('answers 413 for a body over 1 MiB and keeps the connection usable', async () => {
    server = await startTargetServer({ port: 0 });
    const agent = keepAliveAgent();
    try {
      const big = await request(`${server.url}/echo`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 97), agent });
      expect(big.status).toBe(413);
      expect(big.json()).toMatchObject({ error: 'body_too_large' });
      const exact = await request(`${server.url}/echo`, { method: 'POST', body: Buffer.alloc(1024 * 1024, 97), agent });
      expect(exact.status).toBe(200);
      expect(Object.values(server.stats().requests_per_connection)).toEqual([2]);
    } finally {
      agent.destroy();
    }
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    server = await startTargetServer({ port: 0, maxBodyBytes: 1000 });
    const res = await request(`${server.url}/login`, {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: `user=${'a'.repeat(2000)}`,
    });
    expect(res.status).toBe(413);
  });

  it('answers 431 when the headers are too large', async () => {
    server = await startTargetServer({ port: 0 });
    const reply = await rawExchange(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('bad requests', () => {
  it('answers malformed HTTP with 400 and closes, then keeps serving', async () => {
    server = await startTargetServer({ port: 0 });
    const reply = await rawExchange(server.port, 'HELLO THERE\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain('connection: close');
    expect(reply).toContain('"error":"bad_request"');
    expect((await request(`${server.url}/`)).status).toBe(200);
  });

  it('answers unknown routes with a JSON 404', async () => {
    server = await startTargetServer({ port: 0 });
    const res = await request(`${server.url}/missing?x=1`);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', path: '/missing' });
  });

  it.each([
    ['POST', '/', 'GET, HEAD'],
    ['DELETE', '/api/me', 'GET, HEAD'],
    ['GET', '/login', 'POST'],
    ['PUT', '/status/200', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    server = await startTargetServer({ port: 0 });
    const res = await request(`${server.url}${path}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('serves absolute-form request targets, as a forwarding proxy sends them', async () => {
    server = await startTargetServer({ port: 0 });
    const reply = await rawExchange(
      server.port,
      `GET http://127.0.0.1:${server.port}/echo?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain('"path":"/echo"');
    expect(reply).toContain('"query":{"q":"1"}');
  });

  it('turns a throwing handler into a 500 and logs it, without crashing', async () => {
    const logged: string[] = [];
    server = await startTargetServer({
      port: 0,
      random: () => {
        throw new Error('boom');
      },
      log: (line) => logged.push(line),
    });
    const res = await request(`${server.url}/flaky?fail_rate=0.5`);
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ error: 'internal_error' });
    expect(logged.join('\n')).toContain('boom');
    expect((await request(`${server.url}/`)).status).toBe(200);
  });

  it('survives a client that disconnects in the middle of a body', async () => {
    server = await startTargetServer({ port: 0 });
    const socket = connect(server.port, '127.0.0.1');
    socket.write('POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nuser=a');
    await until(() => server?.metrics().total_requests === 1, 'the request to arrive');
    socket.destroy();
    // The half-read request ends as an aborted response, counted as an error.
    await until(() => server?.metrics().error_count === 1, 'the aborted request to be counted');
    expect(server.metrics()).toMatchObject({ active_connections: 0, client_errors: 0, error_count: 1 });
    expect((await request(`${server.url}/`)).status).toBe(200);
  });
});

describe('options', () => {
  it.each([
    [{ port: -1 }, 'port'],
    [{ port: 70_000 }, 'port'],
    [{ keepAliveTimeout: 1.5 }, 'keepAliveTimeout'],
    [{ host: '' }, 'host'],
    [{ maxSessions: 0 }, 'maxSessions'],
    [{ headersTimeout: 10_000, requestTimeout: 5_000 }, 'headersTimeout'],
  ])('rejects %j with SE_ERR_TARGET_INVALID_OPTIONS', async (options, option) => {
    await expect(startTargetServer(options)).rejects.toMatchObject({ code: 'SE_ERR_TARGET_INVALID_OPTIONS', option });
  });

  it('rejects a taken port with SE_ERR_TARGET_LISTEN', async () => {
    server = await startTargetServer({ port: 0 });
    await expect(startTargetServer({ port: server.port })).rejects.toMatchObject({
      code: 'SE_ERR_TARGET_LISTEN',
      port: server.port,
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  });

  it('applies the keep-alive timeout it is given', async () => {
    server = await startTargetServer({ port: 0, keepAliveTimeout: 7_000 });
    const agent = keepAliveAgent();
    try {
      const res = await request(`${server.url}/`, { agent });
      expect(res.headers['keep-alive']).toBe('timeout=7');
    } finally {
      agent.destroy();
    }
  });
});
