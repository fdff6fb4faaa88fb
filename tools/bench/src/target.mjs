/**
 * The target the generators load: nginx configured by the harness, or the
 * demo target server (apps/target-server) when nginx is not installed.
 * Either runs in its own process, pinned to its own core.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNginxConf } from './nginx-conf.mjs';
import { cpuSecondsOfTree, startPinned } from './pinned-process.mjs';

const TARGET_SERVER_BIN = fileURLToPath(new URL('../../../apps/target-server/bin/target-server.js', import.meta.url));

/** The nginx binary and its version, or undefined when it is not installed. */
export function findNginx() {
  for (const bin of ['nginx', '/usr/sbin/nginx']) {
    const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (out.status === 0) return { bin, version: (out.stderr || out.stdout).trim().replace(/^nginx version: /, '') };
  }
  return undefined;
}

/** A port nobody listens on right now (nginx cannot be told to pick one itself). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) return false;
    if (await canConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function stopChild(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

async function startNginx(nginx, core) {
  const dir = mkdtempSync(join(tmpdir(), 'se-bench-nginx-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), renderNginxConf({ dir, port }));
    const child = startPinned({ core, command: nginx.bin, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    if (await waitForPort(port, child, 5000)) {
      return {
        kind: 'nginx',
        version: nginx.version,
        url: `http://127.0.0.1:${port}`,
        pid: child.pid,
        cpuSeconds: () => cpuSecondsOfTree(child.pid),
        async stop() {
          await stopChild(child, 'SIGQUIT');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child, 'SIGKILL');
    // Another process took the port between the probe and nginx's bind: try another.
    if (!/Address already in use/.test(stderr)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr.trim() || 'no output'}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('nginx did not start: no free port after 5 attempts');
}

async function startTargetServer(core) {
  const child = startPinned({
    core,
    command: process.execPath,
    args: [TARGET_SERVER_BIN, '--port', '0', '--keep-alive-timeout', '3600000'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`target-server exited with ${code}: ${err.trim()} (is it built? npx nx run @session-engine/target-server:build)`)));
  });
  child.stdout.resume();
  return {
    kind: 'target-server',
    version: 'apps/target-server (node:http)',
    url,
    pid: child.pid,
    cpuSeconds: () => cpuSecondsOfTree(child.pid),
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/**
 * @param {{ kind: 'auto' | 'nginx' | 'node'; core?: number }} options
 */
export async function startTarget({ kind, core }) {
  if (kind !== 'node') {
    const nginx = findNginx();
    if (nginx) return startNginx(nginx, core);
    if (kind === 'nginx') throw new Error('nginx is not installed: apt-get install -y nginx (or use --target node)');
  }
  return startTargetServer(core);
}
