/**
 * Soak mode of the harness (`npm run bench -- --soak 10m`): the engine for a
 * long time against the target, closed model then open model, sampling heap
 * after a forced GC and RSS every few seconds; reports the slope after the
 * warm-up and whether the bar is met. A benchmark, not a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineVersion, loadAverage, machineInfo } from './machine.mjs';
import { runPinned } from './pinned-process.mjs';
import { BAR, summariseSoak } from './soak-stats.mjs';
import { startTarget } from './target.mjs';

// After the forced GC, time for V8 to return the freed pages before RSS is read (measured under load:
// 500 ms left the closed model 21% apart, 100 ms 41%; see docs/benchmarks/soak-2026-11-28-settled.md).
const SETTLE_MS = 500;
const SOAK_RUNNER = fileURLToPath(new URL('./soak-runner.mjs', import.meta.url));

/** Every JSON line of the runner: its samples and its result. */
export function parseSoakOutput(stdout) {
  const samples = [];
  let result;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line);
      if (parsed.sample) samples.push(parsed.sample);
      else if (parsed.result) result = parsed.result;
    } catch {
      // not one of ours
    }
  }
  return { samples, result };
}

function checkoutVersion(dir) {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' });
  return head.status === 0 ? `${head.stdout.trim()} (${dir})` : dir;
}

const mib = (bytes) => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(1));
const kib = (bytes) => (bytes === undefined ? '-' : (bytes / 1024).toFixed(1));
const pct = (p) => (p === undefined ? '-' : `${p.toFixed(1)}%`);

/** The table rows of one soak (one row per model). */
export function soakRows(soak) {
  return soak.models.map((m) => {
    const s = m.summary;
    if (m.failure) return `| ${m.model} | ${soak.engine} | FAILED: ${m.failure.replaceAll('|', '/')} | | | | | | | | |`;
    return (
      `| ${m.model} | ${soak.engine} | ${Math.round(m.result.requests / m.result.durationS)} | ${m.result.errors} | ${m.result.dropped} | ` +
      `${mib(s.heap?.min)}-${mib(s.heap?.max)} | ${kib(s.heapSlopeBytesPerMin)} | ${kib(s.heapSlopeBytesPerMin === undefined ? undefined : s.heapSlopeBytesPerMin * 10)} | ` +
      `${mib(s.rss?.min)}-${mib(s.rss?.max)} (${pct(s.rss?.pct)}) | ${kib(s.rssSlopeBytesPerMin)} | ` +
      `${s.rssBeforeGc ? `${mib(s.rssBeforeGc.min)}-${mib(s.rssBeforeGc.max)} (${pct(s.rssBeforeGc.pct)})` : '-'} | ${s.ok ? 'yes' : `no (${[s.heapOk ? '' : 'heap', s.rssOk ? '' : 'RSS'].filter(Boolean).join(', ')})`} |`
    );
  });
}

export function renderSoak(soak, before) {
  const header =
    '| model | engine | req/s | errors | dropped | heap after GC, MiB | heap slope, KiB/min | per 10 min, KiB | RSS after GC, MiB (range) | RSS slope, KiB/min | RSS before GC, MiB (range) | bar met |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = [
    `# Soak ${soak.date.slice(0, 10)}`,
    '',
    `\`${soak.command}\`: ${soak.durationS >= 60 ? `${+(soak.durationS / 60).toFixed(2)} min` : `${soak.durationS} s`} per model against ${soak.target}, ${soak.sessions} sessions; closed model ` +
      `(every session back to back) then open model at ${soak.rate} starts/s. Heap used after a forced full GC ` +
      `(\`node --expose-gc\`, \`gc()\` then \`process.memoryUsage()\`) and RSS ${soak.settleMs ?? 0} ms later (time for the freed pages to be returned) ` +
      `every ${soak.sampleS} s; slopes are least squares over the samples after a ${soak.warmupS} s warm-up. ` +
      '"RSS before GC" is read just before the forced GC: garbage not yet collected included, so it follows the GC cycle; it is shown, not judged.',
    '',
    `Bar: heap after GC grows less than ${BAR.heapBytesPer10Min / 2 ** 20} MiB per 10 minutes, RSS after GC within ${BAR.rssRangePct}% ` +
      '(max - min over min) after the warm-up, in both models.',
    '',
    header,
    ...(before ? soakRows(before) : []),
    ...soakRows(soak),
    '',
    `Machine: ${soak.machine.nproc} cores, ${soak.machine.cpu}, load ${soak.machine.loadStart} at start, ${soak.machine.loadEnd} at end; ` +
      `node ${soak.node}; target ${soak.target} on CPU 0, engine on CPU 1.`,
  ];
  if (before) {
    lines.push('', `The first ${before.models.length} rows: \`${before.command}\` on ${before.date.slice(0, 10)} (engine ${before.engine}).`);
  }
  lines.push('', 'Samples (t, heap after GC, RSS) are in the JSON file next to this one.', '');
  return lines.join('\n');
}

/**
 * @param {{ durationS: number; sessions: number; rate: number; sampleS: number; warmupS: number; path: string;
 *   engineFrom?: string; label?: string; compare?: string; out: string; targetKind: 'auto'|'nginx'|'node'; args: string;
 *   log: (line: string) => void }} o
 */
export async function runSoak(o) {
  const machine = machineInfo();
  const engine = o.engineFrom ? checkoutVersion(resolve(o.engineFrom)) : engineVersion();
  const target = await startTarget({ kind: o.targetKind, core: 0 });
  const models = [];
  try {
    for (const model of ['closed', 'open']) {
      o.log(`soak: ${model} model, ${o.durationS} s, ${o.sessions} sessions${model === 'open' ? `, ${o.rate} starts/s` : ''}, engine ${engine}`);
      const args = [
        '--expose-gc',
        SOAK_RUNNER,
        '--url', target.url,
        '--path', o.path,
        '--sessions', String(o.sessions),
        '--duration', String(o.durationS),
        '--rate', String(model === 'open' ? o.rate : 0),
        '--sample', String(o.sampleS),
        '--settle', String(SETTLE_MS),
        ...(o.engineFrom ? ['--engine-from', o.engineFrom] : []),
      ];
      const run = await runPinned({ core: 1, command: process.execPath, args, timeoutMs: (o.durationS + 180) * 1000 });
      const { samples, result } = parseSoakOutput(run.stdout);
      if (run.code !== 0 || result === undefined) {
        const tail = run.stderr.trim().split('\n').slice(-5).join(' | ');
        models.push({ model, failure: `exit ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''}: ${tail}`, samples });
        o.log(`soak: ${model} FAILED: ${tail}`);
        continue;
      }
      const summary = summariseSoak(samples, o.warmupS);
      models.push({ model, result, summary, samples });
      o.log(
        `soak: ${model}: ${Math.round(result.requests / result.durationS)} req/s, heap slope ${kib(summary.heapSlopeBytesPerMin)} KiB/min, ` +
          `RSS ${mib(summary.rss?.min)}-${mib(summary.rss?.max)} MiB (${pct(summary.rss?.pct)}), bar ${summary.ok ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    await target.stop();
  }
  const date = new Date();
  const soak = {
    date: date.toISOString(),
    command: `npm run bench -- ${o.args}`,
    engine,
    durationS: o.durationS,
    sessions: o.sessions,
    rate: o.rate,
    sampleS: o.sampleS,
    settleMs: SETTLE_MS,
    warmupS: o.warmupS,
    target: target.kind === 'nginx' ? 'nginx' : 'the demo target server',
    node: process.version,
    machine: { ...machine, loadEnd: loadAverage() },
    bar: BAR,
    models,
  };
  const before = o.compare ? JSON.parse(readFileSync(o.compare, 'utf8')) : undefined;
  const markdown = renderSoak(soak, before);
  mkdirSync(o.out, { recursive: true });
  const name = `soak-${date.toISOString().slice(0, 10)}${o.label ? `-${o.label}` : ''}`;
  writeFileSync(join(o.out, `${name}.md`), markdown);
  writeFileSync(join(o.out, `${name}.json`), `${JSON.stringify(before ? { ...soak, before } : soak, null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
  o.log(`soak: wrote ${join(o.out, `${name}.md`)} and .json`);
  return models.every((m) => m.summary?.ok);
}
