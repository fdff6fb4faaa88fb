/**
 * A real `redis-server` for tests (Debian package redis-server): started on a
 * free loopback port with persistence off (`--save '' --appendonly no`),
 * stopped after. Missing binary: the tests are skipped with the reason, except
 * under CI, where that is a failure (CI installs it in .ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const redisServerMissing: string | undefined =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined
    ? undefined
    : 'redis-server is not installed (Debian: apt-get install redis-server)';

if (redisServerMissing !== undefined && process.env['CI']) throw new Error(`${redisServerMissing}; CI must have it (.ci/run installs it)`);
if (redisServerMissing !== undefined) console.warn(`skipping the Redis tests: ${redisServerMissing}`);

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A loopback port nothing listens on right now, picked below the kernel's
 * ephemeral range. The kernel takes ports from that range for every outgoing
 * connection and for every `listen(0)`, and other test files open thousands of
 * both while these run: a port from it can be taken between this check and the
 * server's bind, or while a test has stopped its Redis to bring it back on the
 * same port. Below the range only another `freePort()` can pick it.
 */
export async function freePort(): Promise<number> {
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralRangeStart());
  for (let attempt = 0; ; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port)) return port;
    if (attempt === 100) throw new Error(`no free loopback port found in ${low}-${high - 1} after 100 tries`);
  }
}

/** The first port of Linux's ephemeral range; 32768 (its default) where that cannot be read. */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a redis-server on `port`, or on a free port. A port that turns out to be
 * in use is tried again: another port when none was asked for, the same one
 * for up to 5 s when it was (a test bringing Redis back where it was).
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const tryPort = port ?? (await freePort());
    try {
      return await startRedisOn(tryPort);
    } catch (error) {
      if (!(error instanceof PortInUseError) || Date.now() > deadline) throw error;
      if (port !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

class PortInUseError extends Error {}

async function startRedisOn(port: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'se-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server did not start on port ${port} within 10 s: ${out}`));
      }, 10_000);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        const message = `redis-server exited with ${code} on port ${port}: ${out}`;
        reject(/Address already in use/i.test(out) ? new PortInUseError(message) : new Error(message));
      });
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
