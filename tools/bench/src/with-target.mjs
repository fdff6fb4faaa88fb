#!/usr/bin/env node
/**
 * Starts the benchmark target (nginx pinned to CPU 0, or the demo server),
 * runs a command with TARGET_URL set to it, then stops the target.
 *   node tools/bench/src/with-target.mjs -- taskset -c 1 node engine-runner.mjs --url '$TARGET_URL' ...
 */
import { spawnSync } from 'node:child_process';
import { startTarget } from './target.mjs';

const sep = process.argv.indexOf('--');
const [command, ...args] = process.argv.slice(sep + 1);
if (!command) throw new Error('usage: with-target.mjs -- command args...');
const target = await startTarget({ kind: 'auto', core: 0 });
let status = 1;
try {
  const run = spawnSync(command, args.map((a) => a.replaceAll('$TARGET_URL', target.url)), {
    stdio: 'inherit',
    env: { ...process.env, TARGET_URL: target.url },
  });
  status = run.status ?? 1;
} finally {
  await target.stop();
}
process.exit(status);
