#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * function and by package, so a profile says which package's code the CPU
 * goes to per request.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof tools/bench/src/engine-runner.mjs --url ... --sessions 50
 *   node tools/bench/src/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25] [--requests N]
 *
 * With --requests (the runner's request count) it also prints microseconds per request.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Which package a script URL belongs to: a workspace package, an npm
 * package, a Node built-in, or V8's own buckets (GC, program, idle).
 *
 * @param {string} url
 */
export function packageOf(url) {
  if (!url) return '(native/V8)';
  const workspace = /\/(?:packages|apps|tools)\/([^/]+)\//.exec(url);
  if (workspace && !url.includes('/node_modules/')) return `@session-engine/${workspace[1]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    // node:internal/deps/undici/... and the like: name the module after "internal/".
    return `node:${parts[0] === 'internal' ? (parts[1] === 'deps' ? parts[2] : parts[1]) : parts[0]}`;
  }
  return url;
}

/**
 * Self time in ms per node id, from samples and their time deltas (more
 * precise than hitCount when the sampling interval varies).
 *
 * @param {{ nodes: Array<{ id: number }>; samples?: number[]; timeDeltas?: number[] }} profile
 */
function selfTimes(profile) {
  const self = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's delta is the time since the previous one: charge it to the next sample's node.
    const delta = (deltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + delta);
  }
  return self;
}

/**
 * @param {{ nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples?: number[]; timeDeltas?: number[] }} profile
 */
export function summariseProfile(profile) {
  const self = selfTimes(profile);
  const byFunction = new Map();
  const byPackage = new Map();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const pkg = packageOf(url);
    const name = functionName || '(anonymous)';
    const file = url ? `${url.replace(/^.*\/(node_modules|packages|apps)\//, '$1/').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${file}`;
    const entry = byFunction.get(key) ?? { name, file, pkg, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  }
  const functions = [...byFunction.values()].sort((a, b) => b.ms - a.ms);
  const packages = [...byPackage.entries()].map(([pkg, ms]) => ({ pkg, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total, idleMs: idle, functions, packages };
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, requests: { type: 'string' } },
  });
  const top = Number(values.top);
  const requests = values.requests ? Number(values.requests) : undefined;
  for (const path of positionals) {
    const summary = summariseProfile(JSON.parse(readFileSync(path, 'utf8')));
    const pct = (ms) => ((ms / summary.totalMs) * 100).toFixed(1).padStart(5);
    const per = (ms) => (requests ? `${((ms * 1000) / requests).toFixed(2).padStart(7)} us/req` : '');
    console.log(`\n${path}: ${summary.totalMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle${requests ? `, ${requests} requests` : ''}`);
    console.log('\nby package (self time):');
    for (const p of summary.packages) console.log(`  ${pct(p.ms)}%  ${p.ms.toFixed(0).padStart(7)} ms ${per(p.ms)}  ${p.pkg}`);
    console.log(`\ntop ${top} functions (self time):`);
    for (const f of summary.functions.slice(0, top)) {
      console.log(`  ${pct(f.ms)}%  ${f.ms.toFixed(0).padStart(7)} ms ${per(f.ms)}  ${f.name}  ${f.file}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
