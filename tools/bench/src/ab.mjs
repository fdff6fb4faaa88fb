#!/usr/bin/env node
/**
 * Quick interleaved A/B of engine variants (node flags) against autocannon, one scenario.
 *   node tools/bench/src/ab.mjs --sessions 1000 --path /cookie --runs 3 --duration 4 [--warmup 2] --variant= --variant=--max-semi-space-size=64
 * A variant `flags@/other/checkout` runs that checkout's engine runner (built packages), e.g. to compare with main.
 * `--cli` runs each variant's CLI (`engine run --json`, the whole runner path) instead of the engine runner.
 */
import { parseArgs } from 'node:util';
import { runAutocannon, runCli, runEngine } from './runners.mjs';
import { startTarget } from './target.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    path: { type: 'string', default: '/' },
    duration: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    variant: { type: 'string', multiple: true, default: [''] },
    autocannon: { type: 'boolean', default: true },
    cli: { type: 'boolean', default: false },
    // Seconds of unmeasured load before each tool's window (as npm run bench -- --warmup).
    warmup: { type: 'string', default: '0' },
  },
});
const target = await startTarget({ kind: 'auto', core: 0 });
const rows = {};
const push = (k, r) => ((rows[k] ??= []).push(r));
try {
  for (let i = 0; i < Number(values.runs); i++) {
    for (const v of values.variant) {
      const [flags, checkout] = v.split('@');
      const runner = checkout ? `${checkout}/tools/bench/src/engine-runner.mjs` : undefined;
      const common = { core: 1, url: target.url, path: values.path, sessions: Number(values.sessions), durationS: Number(values.duration), warmupS: Number(values.warmup) };
      if (values.cli) {
        push(`cli ${v}`, await runCli({ ...common, ...(checkout ? { bin: `${checkout}/apps/cli/bin/run.js` } : {}) }));
        continue;
      }
      const r = await runEngine({ ...common, nodeFlags: flags ? flags.split(' ') : [], runner });
      push(`engine ${v}`, r);
    }
    if (values.autocannon) push('autocannon', await runAutocannon({ core: 1, url: target.url, path: values.path, sessions: Number(values.sessions), durationS: Number(values.duration), warmupS: Number(values.warmup) }));
  }
} finally {
  await target.stop();
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, rs] of Object.entries(rows)) {
  const f = rs.filter((r) => !r.failure);
  const cpu = f.map((r) => (r.cpuS * 1e6) / r.requests);
  console.log(`${k.padEnd(40)} us/req ${med(cpu).toFixed(1)} [${cpu.map((c) => c.toFixed(1)).join(' ')}] req/s ${Math.round(med(f.map((r) => r.requests / r.elapsedS)))} errors ${f.reduce((s, r) => s + (r.errors ?? 0), 0)} ${rs.length - f.length ? `FAILED ${rs.find((r) => r.failure).failure}` : ''}`);
}
