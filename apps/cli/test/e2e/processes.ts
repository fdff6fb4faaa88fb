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
  /**
   * Called once the process has started; use it to send signals. If the
   * promise it returns rejects (a readiness signal that never came), the
   * engine is killed and `runEngine` rejects with that error and its stderr.
   */
  onStart?: (child: ChildProcess) => void | Promise<unknown>;
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
  let startError: Error | undefined;
  options.onStart?.(child)?.catch((error: unknown) => {
    startError = error instanceof Error ? error : new Error(String(error));
    child.kill('SIGKILL');
  });
  return new Promise<EngineResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain after exit.
      setImmediate(() => {
        if (startError) reject(new Error(`${startError.message}\nengine stderr:\n${stderr}`, { cause: startError }));
        else resolve({ code, signal, stdout, stderr });
      });
    });
  });
}

/**
 * Environment that makes the engine log its metrics line ("metrics - total: N
 * | success: N | failed: N ...") every 100 ms instead of every 10 s: the
 * readiness signal of `waitForMetrics`.
 */
export const FAST_METRICS_ENV: NodeJS.ProcessEnv = { SESSION_ENGINE_METRICS_INTERVAL: '100ms' };

export interface MetricsLine {
  total: number;
  success: number;
  failed: number;
}

/**
 * Waits for a metrics log line on the child's stderr for which `ready` is
 * true (run the engine with FAST_METRICS_ENV). Rejects if the child exits or
 * `timeoutMs` passes first.
 */
export function waitForMetrics(child: ChildProcess, ready: (line: MetricsLine) => boolean, timeoutMs = 20_000): Promise<MetricsLine> {
  const pattern = /metrics - total: (\d+) \| success: (\d+) \| failed: (\d+)/g;
  return waitForStderr(child, timeoutMs, `a metrics line matching ${ready.toString()}`, (seen) => {
    for (const match of seen.matchAll(pattern)) {
      const line = { total: Number(match[1]), success: Number(match[2]), failed: Number(match[3]) };
      if (ready(line)) return line;
    }
    return undefined;
  });
}

/**
 * Polls `check` every 25 ms until it is true: for state only another process
 * can tell (the target server's /stats). Rejects after `timeoutMs`.
 */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until stderr of the child has printed text matching the pattern (rejects if it exits first). */
export async function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  await waitForStderr(child, timeoutMs, String(pattern), (seen) => (pattern.test(seen) ? true : undefined));
}

/** Resolves with the first defined `found(stderr so far)`; rejects on exit or after `timeoutMs`. */
function waitForStderr<T>(child: ChildProcess, timeoutMs: number, what: string, found: (seen: string) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let seen = '';
    const done = (): void => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('close', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const value = found(seen);
      if (value !== undefined) {
        done();
        resolve(value);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(new Error(`the engine exited (${signal ?? code}) before ${what}`));
    };
    child.stderr!.on('data', onData);
    // 'close', not 'exit': stderr has been read to its end by then.
    child.once('close', onExit);
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
