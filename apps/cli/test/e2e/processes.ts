/**
 * Real processes for end-to-end tests: the built target server and the built
 * `engine` binary, started as a user would, on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo, Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export const engineBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
export const targetBin = fileURLToPath(new URL('../../../target-server/bin/target-server.js', import.meta.url));

export interface TargetProcess {
  url: string;
  process: ChildProcess;
  stats(): Promise<TargetStats>;
  stop(): Promise<void>;
}

/** The parts of the target server's GET /stats that tests read. */
export interface TargetStats {
  total_requests: number;
  connections: { opened: number; open: number; with_requests: number };
  sessions: { count: number; ids: string[]; requests: Record<string, number>; requests_without_session: number };
  [key: string]: unknown;
}

export async function startTarget(): Promise<TargetProcess> {
  const child = spawn(process.execPath, [targetBin, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`target server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`target server exited with ${code}: ${out}`)));
  });
  return {
    url,
    process: child,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as TargetStats,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface EngineResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface EngineOptions {
  env?: NodeJS.ProcessEnv;
  /** Called once the process has started; use it to send signals. */
  onStart?: (child: ChildProcess) => void;
  timeoutMs?: number;
  cwd?: string;
}

/** The test's environment without colour: NO_COLOR only (Node warns when FORCE_COLOR is set as well). */
function plainEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  return env;
}

/** Runs `engine <args>` to completion (bounded by timeoutMs, then SIGKILL). */
export function runEngine(args: string[], options: EngineOptions = {}): Promise<EngineResult> {
  const child = spawn(process.execPath, [engineBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: plainEnv(options.env),
    cwd: options.cwd,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  options.onStart?.(child);
  return new Promise<EngineResult>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain after exit.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Waits until stderr of the child has printed text matching the pattern. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
  });
}

/**
 * One built target server for a test file, started before its tests, its
 * /stats reset before each test (so each test reads its own counts) and
 * stopped after them. Returns a getter, since the server exists only once
 * the hooks have run.
 */
export function useTarget(): () => TargetProcess {
  let target: TargetProcess | undefined;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(async () => {
    await target?.stop();
  });
  beforeEach(async () => {
    await fetch(`${target!.url}/stats/reset`, { method: 'POST' });
  });
  return () => target!;
}

/**
 * Listens on 127.0.0.1, port 0, counting the connections it accepts; pushes
 * onto `cleanups` a closer that destroys its sockets and closes it.
 */
export async function listenLoopback(
  server: Server,
  cleanups: (() => Promise<unknown>)[],
): Promise<{ port: number; sockets: Set<Socket>; accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, sockets, accepted: () => accepted };
}
