/**
 * First connects before the load window (config `preconnect`, default on):
 * the built `engine` against a loopback server that counts the connections
 * it accepted by the time the first request arrives. In the open model at a
 * low rate, only a session that gets an arrival would ever connect on its
 * own, so every session's connection being there before the first request
 * can only come from the pre-connects.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLoopback, runEngine } from './processes.js';

interface Report {
  total: number;
  failed: number;
  sessions: { configured: number; created: number; failed_to_create: number; preconnected: number };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A keep-alive server answering "ok"; `acceptedAtFirstRequest` is how many connections it had when the first request came. */
async function countingServer() {
  const seen = { acceptedAtFirstRequest: -1, requests: 0 };
  const server = http.createServer((req, res) => {
    if (seen.requests++ === 0) seen.acceptedAtFirstRequest = listening.accepted();
    req.resume();
    res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  const listening = await listenLoopback(server, cleanups);
  return { url: `http://127.0.0.1:${listening.port}/`, seen, accepted: listening.accepted };
}

describe('engine run: first connects before the load window', () => {
  it("opens every session's connection before the first request, and the requests use them", async () => {
    const server = await countingServer();
    const result = await runEngine(['run', '-t', server.url, '-s', '5', '-r', '2', '-d', '1s', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.failed).toBe(0);
    expect(report.total).toBeGreaterThan(0);
    expect(report.sessions).toMatchObject({ created: 5, preconnected: 5 });
    expect(server.seen.acceptedAtFirstRequest).toBe(5);
    // No connection beyond the pre-opened ones: the requests went over them.
    expect(server.accepted()).toBe(5);
  });

  it('--no-preconnect: sessions connect on their first request', async () => {
    const server = await countingServer();
    const result = await runEngine(['run', '-t', server.url, '-s', '5', '-r', '2', '-d', '1s', '--no-preconnect', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.failed).toBe(0);
    expect(report.sessions).toMatchObject({ created: 5, preconnected: 0 });
    // Only sessions that got an arrival connected (2 arrivals a second, each done long before the next).
    expect(server.accepted()).toBeGreaterThanOrEqual(1);
    expect(server.accepted()).toBeLessThan(5);
  });
});
