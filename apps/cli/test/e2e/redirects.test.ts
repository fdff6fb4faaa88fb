/**
 * Redirects end to end (docs/user-guide.md#redirects): the built `engine`
 * follows a login's 302 through the same session, its Set-Cookie stored and
 * sent on the next hop, and reports the final status; `--max-redirects 0`
 * reports the 302s; a loop and a redirect without a Location fail, never
 * retried. The target is a loopback server that counts what reached it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenLoopback, runEngine } from './processes.js';

/** The fields of `engine run --json` these tests read. */
interface Report {
  total: number;
  success: number;
  failed: number;
  retries: number;
  status_codes: Record<string, number>;
  errors: Record<string, number>;
}

const cleanups: (() => Promise<unknown>)[] = [];
let url: string;
/** Requests the server got, by path and outcome ("/home 401"). */
let seen: Map<string, number>;

function count(key: string): void {
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

beforeEach(async () => {
  seen = new Map();
  const issued = new Set<string>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/login') {
      // A fresh session cookie on the redirect, as a login form does.
      const sid = randomUUID();
      issued.add(sid);
      res.writeHead(302, { location: '/home', 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
      res.end('see /home');
      count('/login 302');
    } else if (path === '/home') {
      const sid = /(?:^|; )sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const ok = sid !== undefined && issued.has(sid);
      res.writeHead(ok ? 200 : 401).end(ok ? 'welcome' : 'no session');
      count(`/home ${ok ? 200 : 401}`);
    } else if (path === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
      count('/loop 302');
    } else if (path === '/nowhere') {
      res.writeHead(302).end();
      count('/nowhere 302');
    } else {
      res.writeHead(404).end();
    }
  });
  const { port } = await listenLoopback(server, cleanups);
  url = `http://127.0.0.1:${port}`;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function run(args: string[]): Promise<Report> {
  const result = await runEngine(['run', ...args, '--json'], { timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  expect(report.total).toBe(report.success + report.failed);
  return report;
}

describe('engine run: redirects', () => {
  it("follows a login's 302 with the cookie it set and reports the final 200s", async () => {
    const report = await run(['-t', `${url}/login`, '-s', '2', '-n', '6']);

    expect(report.total).toBe(6);
    expect(report.failed).toBe(0);
    expect(report.status_codes).toEqual({ '200': 6 });
    expect(report.errors).toEqual({});
    expect(Object.fromEntries(seen)).toEqual({ '/login 302': 6, '/home 200': 6 });
  });

  it('reports the 302s themselves with --max-redirects 0', async () => {
    const report = await run(['-t', `${url}/login`, '-s', '2', '-n', '6', '--max-redirects', '0']);

    expect(report.total).toBe(6);
    expect(report.failed).toBe(0);
    expect(report.status_codes).toEqual({ '302': 6 });
    expect(Object.fromEntries(seen)).toEqual({ '/login 302': 6 });
  });

  it('fails a redirect loop as redirect_loop after --max-redirects hops, never retried', async () => {
    const report = await run(['-t', `${url}/loop`, '-s', '1', '-n', '3', '--max-redirects', '4', '--retries', '3']);

    expect(report.total).toBe(3);
    expect(report.failed).toBe(3);
    expect(report.errors).toEqual({ redirect_loop: 3 });
    expect(report.retries).toBe(0);
    // The request and its 4 redirects, once per iteration: no retry repeated them.
    expect(Object.fromEntries(seen)).toEqual({ '/loop 302': 15 });
  });

  it('fails a 302 without a Location as bad_redirect, never retried', async () => {
    const report = await run(['-t', `${url}/nowhere`, '-s', '1', '-n', '2', '--retries', '3']);

    expect(report.failed).toBe(2);
    expect(report.errors).toEqual({ bad_redirect: 2 });
    expect(report.retries).toBe(0);
    expect(Object.fromEntries(seen)).toEqual({ '/nowhere 302': 2 });
  });
});
