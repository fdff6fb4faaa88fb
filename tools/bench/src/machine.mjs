/** The machine and versions a benchmark ran with, for the report's header. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function packageVersion(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function loadAverage() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function machineInfo() {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model?.trim() ?? 'unknown',
    memGiB: totalmem() / 2 ** 30,
    os: `${type()} ${release()}`,
    loadStart: loadAverage(),
  };
}

/** The engine's version: the packages' version plus the commit (and whether the tree had changes). */
export function engineVersion() {
  const version = packageVersion(`${root}packages/session/package.json`);
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return version;
  // Only source the built engine is made of: other people's new tests do not change the figures.
  const status = spawnSync('git', ['status', '--porcelain', '--', 'packages/*/src', 'apps/cli/src'], { cwd: root, encoding: 'utf8' });
  const changed = status.stdout.split('\n').filter((line) => line.trim() && !/\.test\.ts$/.test(line));
  return `${version} (${head.stdout.trim()}${changed.length > 0 ? `, with uncommitted changes in ${changed.length} source file(s)` : ''})`;
}

export function autocannonVersion() {
  try {
    return packageVersion(createRequire(import.meta.url).resolve('autocannon/package.json'));
  } catch {
    return 'not installed';
  }
}
