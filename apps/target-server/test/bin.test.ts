import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request, until } from './helpers.js';

// The binary runs the build output; `nx run @session-engine/target-server:test` builds first.
const bin = fileURLToPath(new URL('../bin/target-server.js', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Child {
  process: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];

function start(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, ...env } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle = { process: child, stdout: () => out, stderr: () => err, exited };
  children.push(handle);
  return handle;
}

async function ready(child: Child): Promise<string> {
  await until(() => /listening on \S+\n/.test(child.stdout()) || child.process.exitCode !== null, 'the ready line');
  const match = /^target-server listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(child.stdout());
  if (!match?.[1]) throw new Error(`unexpected stdout: ${child.stdout()} / stderr: ${child.stderr()}`);
  return match[1];
}

async function countedRequests(url: string): Promise<number> {
  return (await request(`${url}/stats`)).json<{ total_requests: number }>().total_requests;
}

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx nx run @session-engine/target-server:build)`);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
});

describe('target-server binary', () => {
  it('prints --help and exits 0', async () => {
    const child = start(['--help']);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toContain('Usage: target-server');
  });

  it('exits 2 on a bad flag, explaining on stderr', async () => {
    const child = start(['--port', 'nope']);
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.stderr()).toContain('--port must be an integer');
    expect(child.stdout()).toBe('');
  });

  it('takes PORT and HOST from the environment', async () => {
    const child = start([], { PORT: '0', HOST: '127.0.0.1' });
    const url = await ready(child);
    expect((await request(`${url}/`)).body).toBe('ok');
  });

  it('on SIGTERM finishes the in-flight /delay request, refuses new connections, and exits 0', async () => {
    const child = start(['--port', '0']);
    const url = await ready(child);
    const inFlight = request(`${url}/delay?ms=700`);
    await until(async () => (await countedRequests(url)) === 1, 'the /delay request to arrive');
    child.process.kill('SIGTERM');
    await until(() => child.stderr().includes('SIGTERM received'), 'the shutdown log line');
    // Refused, or reset if the kernel had already queued the connection before the listener closed.
    await expect(request(`${url}/`)).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/) });
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ delayed_ms: 700 });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toContain('target-server: stopped');
  });

  it('stops at once on a second signal, still exiting 0', async () => {
    const child = start(['--port', '0', '--shutdown-timeout', '600000']);
    const url = await ready(child);
    const failed = expect(request(`${url}/delay?ms=30000`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await until(async () => (await countedRequests(url)) === 1, 'the /delay request to arrive');
    child.process.kill('SIGINT');
    await until(() => child.stderr().includes('SIGINT received'), 'the first shutdown log line');
    child.process.kill('SIGINT');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await failed;
    expect(child.stderr()).toContain('received again');
  });
});
