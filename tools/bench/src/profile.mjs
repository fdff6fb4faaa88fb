#!/usr/bin/env node
/**
 * Profiles the engine runner under load, set up exactly as in a benchmark run
 * (target on CPU 0, runner on CPU 1), then summarises the profile.
 *
 *   node tools/bench/src/profile.mjs --sessions 50 --path / --duration 10 [--top 30] [--dir /tmp/prof] [--window]
 *
 * Default: `node --cpu-prof` (the whole process, start-up included). With
 * --window the runner profiles only its load window through node:inspector
 * (same V8 sampler, 250 us interval), so the per-request figures are clean.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile } from './profile-summary.mjs';
import { runEngine } from './runners.mjs';
import { startTarget } from './target.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    path: { type: 'string', default: '/' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    top: { type: 'string', default: '30' },
    dir: { type: 'string' },
    target: { type: 'string', default: 'auto' },
    window: { type: 'boolean', default: false },
    // Open model: connect every session before the profiled window.
    warm: { type: 'boolean', default: false },
  },
});
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'se-bench-prof-'));
mkdirSync(dir, { recursive: true });
const target = await startTarget({ kind: /** @type {'auto'|'nginx'|'node'} */ (values.target), core: 0 });
let result;
try {
  result = await runEngine({
    core: 1,
    url: target.url,
    path: values.path,
    sessions: Number(values.sessions),
    durationS: Number(values.duration),
    rate: Number(values.rate),
    warm: values.warm,
    ...(values.window ? { cpuProfile: join(dir, `window-${Date.now()}.cpuprofile`) } : { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] }),
  });
} finally {
  await target.stop();
}
if (result.failure) throw new Error(result.failure);
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && f.startsWith(values.window ? 'window-' : 'CPU.'))
  .sort()
  .at(-1);
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const summary = summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
const top = Number(values.top);
const perReq = (ms) => ((ms * 1000) / result.requests).toFixed(2).padStart(7);
const pct = (ms) => ((ms / summary.totalMs) * 100).toFixed(1).padStart(5);
const lines = [
  `profile ${join(dir, file)}`,
  `${values.sessions} sessions, ${values.path}, ${values.duration} s on ${target.kind}: ${result.requests} requests, ` +
    `${Math.round(result.rps)} req/s, ${result.cpuUsPerReq.toFixed(1)} us CPU/req (profiler overhead included), ${result.errors} errors`,
  `busy ${summary.totalMs.toFixed(0)} ms (${values.window ? 'load window only' : 'whole process, start-up included'}), idle ${summary.idleMs.toFixed(0)} ms`,
  '',
  'self time by package:            %        ms   us/req',
  ...summary.packages.map((p) => `  ${p.pkg.padEnd(30)} ${pct(p.ms)}  ${p.ms.toFixed(0).padStart(7)}  ${perReq(p.ms)}`),
  '',
  `top ${top} functions by self time:`,
  ...summary.functions.slice(0, top).map((f) => `  ${pct(f.ms)}%  ${perReq(f.ms)} us/req  ${f.name}  (${f.pkg}) ${f.file}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
