/**
 * Retries end to end: the built `engine` retries only where a retry can help
 * (docs/user-guide.md#timeouts-and-retries). A proxy that rejects the
 * credentials, a target whose TLS certificate is not trusted, and a status the
 * step expects are answered at once, however high `--retries` is: every
 * server here counts what reached it, so an extra attempt would show.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy } from 'proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenLoopback, runEngine, useTarget } from './processes.js';

/** The fields of `engine run --json` these tests read. */
interface Report {
  total: number;
  success: number;
  failed: number;
  retries: number;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
}

const target = useTarget();
const cleanups: (() => Promise<void>)[] = [];
let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'se-e2e-retries-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** Listens on 127.0.0.1, port 0; closed (its sockets destroyed) after the test. */
async function listen(server: net.Server): Promise<number> {
  return (await listenLoopback(server, cleanups)).port;
}

async function run(args: string[]): Promise<Report> {
  const result = await runEngine(['run', ...args, '--json'], { timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  expect(report.total).toBe(report.success + report.failed);
  return report;
}

/** A self-signed key and certificate for 127.0.0.1, made now with openssl. */
function selfSigned(): { key: string; cert: string } {
  const key = join(tmp, 'key.pem');
  const cert = join(tmp, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('engine run --retries 3: never retried', () => {
  it('sends each request once through a proxy that rejects the credentials: proxy_auth, retries 0', async () => {
    const base = http.createServer();
    let attempts = 0;
    // Registered before createProxy's own listeners: counts every CONNECT and forwarded request.
    base.on('connect', () => (attempts += 1));
    base.on('request', () => (attempts += 1));
    const proxy = createProxy(base);
    proxy.authenticate = (req) => req.headers['proxy-authorization'] === `Basic ${Buffer.from('e2e-user:right').toString('base64')}`;
    const port = await listen(proxy);
    const file = join(tmp, 'proxies.txt');
    writeFileSync(file, `http://e2e-user:wrong@127.0.0.1:${port}\n`);

    const report = await run(['--proxy-file', file, '-t', `${target().url}/`, '-s', '1', '-n', '3', '--retries', '3']);

    expect(report.total).toBe(3);
    expect(report.failed).toBe(3);
    expect(report.errors).toEqual({ proxy_auth: 3 });
    expect(report.retries).toBe(0);
    // One CONNECT per request, plus the session's pre-connect before the load (refused too; not a request).
    expect(attempts).toBe(1 + 3);
    expect((await target().stats()).total_requests).toBe(0);
  });

  it.skipIf(!hasOpenssl())('sends each request once to a target whose certificate is self-signed: a TLS error kind, retries 0', async () => {
    let connections = 0;
    const server = https.createServer(selfSigned(), (_req, res) => res.end('ok'));
    server.on('connection', () => (connections += 1));
    const port = await listen(server);

    const report = await run(['-t', `https://127.0.0.1:${port}/`, '-s', '1', '-n', '3', '--retries', '3']);

    expect(report.total).toBe(3);
    expect(report.failed).toBe(3);
    expect(report.retries).toBe(0);
    // Node's code for a certificate that signs itself, kept as the failure kind.
    expect(report.errors).toEqual({ DEPTH_ZERO_SELF_SIGNED_CERT: 3 });
    // The session's pre-connect before the load (its handshake fails too, not a request), then one
    // connection (and failed handshake) per request: none repeated by a retry.
    expect(connections).toBe(1 + 3);
  });

  it('counts a step that expects 503 as a success at once: no retries, no failures', async () => {
    const config = join(tmp, 'engine.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        scenario: [{ name: 'maintenance', path: '/status/503', expect_status: [503] }],
      }),
    );

    const report = await run(['-c', config, '-s', '2', '-n', '4', '--retries', '3']);

    expect(report.total).toBe(4);
    expect(report.success).toBe(4);
    expect(report.failed).toBe(0);
    expect(report.retries).toBe(0);
    expect(report.errors).toEqual({});
    expect(report.status_codes).toEqual({ '503': 4 });
    expect((await target().stats()).total_requests).toBe(4);
  });
});

describe('engine run --retries 3: retried', () => {
  it('still retries a 503 that the step does not expect', async () => {
    const config = join(tmp, 'engine.json');
    writeFileSync(
      config,
      JSON.stringify({
        target_url: target().url,
        scenario: [{ name: 'home', path: '/status/503', expect_status: [200] }],
      }),
    );

    const report = await run(['-c', config, '-s', '1', '-n', '2', '--retries', '1']);

    expect(report.total).toBe(2);
    expect(report.failed).toBe(2);
    expect(report.errors).toEqual({ expectation: 2 });
    expect(report.retries).toBe(2);
    expect((await target().stats()).total_requests).toBe(4);
  });
});
