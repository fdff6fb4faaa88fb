#!/usr/bin/env node
/**
 * The benchmark harness: the engine against autocannon and wrk on one target,
 * target and generator pinned to different cores, every configuration run
 * interleaved (A B A B) and reported as medians with min-max.
 *
 *   npm run bench                                full run (about 8 minutes), writes docs/benchmarks/
 *   npm run bench -- --only closed-50,idle-500 --runs 5 --duration 10
 *   npm run bench:smoke                          2-second check that the harness still works
 *
 * See tools/bench/README.md for every flag.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannonVersion, engineVersion, loadAverage, machineInfo } from './machine.mjs';
import { canPin } from './pinned-process.mjs';
import { closedRow, renderMarkdown } from './report.mjs';
import { findWrk, runAutocannon, runCli, runEngine, runEngineIdle, runFloor, runNaive, runThreadsTool, runWrk, writeWrkScript } from './runners.mjs';
import { SMOKE_SCENARIO, allScenarios, selectScenarios, toolsFor } from './scenarios.mjs';
import { ratios, summarise } from './stats.mjs';
import { startTarget } from './target.mjs';

const DEFAULT_OUT = fileURLToPath(new URL('../../../docs/benchmarks/', import.meta.url));
const TARGET_CORE = 0;
const GENERATOR_CORE = 1;

// Read before any load: the load average tells whether the machine was shared.
const machineAtStart = machineInfo();
// The engine as built for this run (others may commit while it runs).
const engineAtStart = engineVersion();

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    duration: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    tools: { type: 'string' },
    cli: { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    threads: { type: 'string' },
    'young-mb': { type: 'string' },
    'open-cold': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '0' },
    target: { type: 'string', default: 'auto' },
    out: { type: 'string' },
    'open-sessions': { type: 'string', default: '1000' },
    'engine-conns': { type: 'string' },
    'engine-node-flags': { type: 'string' },
    soak: { type: 'string' },
    'soak-sessions': { type: 'string', default: '1000' },
    'soak-rate': { type: 'string', default: '3000' },
    'soak-sample': { type: 'string', default: '5' },
    'soak-warmup': { type: 'string', default: '60' },
    'engine-from': { type: 'string' },
    label: { type: 'string' },
    compare: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`npm run bench -- [options]
  --duration <s>         seconds per run (default 5; smoke 1)
  --runs <n>             runs per tool and configuration, interleaved (default 3; smoke 1)
  --only <ids>           comma-separated scenarios: ${allScenarios({ openSessions: 0 }).map((s) => s.id).join(', ')}
  --tools <list>         engine,autocannon,wrk,cli,naive,floor (default: engine,autocannon and wrk when installed)
  --cli                  also measure \`engine run --json\` (the CLI, start-up included)
  --naive                also run the naive undici + tough-cookie loop per session (closed model; a reference point)
  --floor                also run undici's floor: a Client per connection, dispatch() with a do-nothing handler,
                         no cookies, no promises (closed model): no undici-based engine can spend less per request
  --threads <list>       also run the engine as \`engine run --threads N\` does (runThreads() of @session-engine/runner,
                         default job) for each N listed, e.g. --threads 1,2: tools threads-1, threads-2
  --young-mb <n>         thread_young_generation_mb for the threads-N tools (default: the config default)
  --open-cold            open model: do not connect the engine's sessions before the load window
  --warmup <s>           every JS tool (engine, threads-N, autocannon, floor, naive) runs the same load this long
                         in its own process before its window, unmeasured (default 0: cold, as a short run is);
                         wrk is C and has no JIT to warm
  --target <kind>        auto (nginx, else the demo target server), nginx, node
  --open-sessions <n>    sessions/connections in the open-model scenarios (default 1000)
  --engine-conns <n>     max_conns_per_host for the engine's sessions (default: the config default)
  --engine-node-flags <flags>  extra node flags for the engine runner, e.g. "--max-semi-space-size=64"
  --out <dir>            where to write latest.md/json and the dated copy (default docs/benchmarks; smoke: a temp dir)
  --smoke                one tiny configuration, one run; exits 1 unless it produced a row with requests

  --soak <duration>      soak mode instead (e.g. 10m): closed then open model for <duration> each, heap after GC
                         and RSS sampled; writes docs/benchmarks/soak-<date>[-<label>].md/json; exit 1 if the bar is missed
  --soak-sessions <n>    sessions in both models (default 1000)
  --soak-rate <n>        open-model starts per second (default 3000)
  --soak-sample <s>      seconds between samples (default 5)
  --soak-warmup <s>      seconds left out of the slope (default 60)
  --engine-from <dir>    soak another checkout's built packages (e.g. the commit before a fix)
  --label <name>         soak: file name suffix (soak-<date>-<label>)
  --compare <json>       soak: an earlier soak's JSON, shown as the first rows of the table
`);
  process.exit(0);
}

function positive(name, text, fallback) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

if (flags.soak !== undefined) {
  const { parseSoakDuration } = await import('./soak-stats.mjs');
  const { runSoak } = await import('./soak.mjs');
  const ok = await runSoak({
    durationS: parseSoakDuration(flags.soak),
    sessions: Math.round(positive('soak-sessions', flags['soak-sessions'], 1000)),
    rate: positive('soak-rate', flags['soak-rate'], 3000),
    sampleS: positive('soak-sample', flags['soak-sample'], 5),
    warmupS: positive('soak-warmup', flags['soak-warmup'], 60),
    path: '/',
    engineFrom: flags['engine-from'],
    label: flags.label,
    compare: flags.compare,
    out: flags.out ?? DEFAULT_OUT,
    targetKind: /** @type {'auto'|'nginx'|'node'} */ (flags.target),
    args: process.argv.slice(2).join(' '),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(ok ? 0 : 1);
}

const smoke = flags.smoke;
const durationS = positive('duration', flags.duration, smoke ? 1 : 5);
const runs = Math.round(positive('runs', flags.runs, smoke ? 1 : 3));
const openSessions = Math.round(positive('open-sessions', flags['open-sessions'], 1000));
const engineNodeFlags = flags['engine-node-flags'] ? flags['engine-node-flags'].split(/\s+/).filter(Boolean) : [];
const engineConns = flags['engine-conns'] === undefined ? undefined : Math.round(positive('engine-conns', flags['engine-conns'], 1));
if (!['auto', 'nginx', 'node'].includes(flags.target)) throw new Error(`--target must be auto, nginx or node, got ${flags.target}`);

const wrkVersion = findWrk();
const knownTools = ['engine', 'autocannon', 'wrk', 'cli', 'naive', 'floor'];
let tools = flags.tools ? flags.tools.split(',').map((t) => t.trim()) : ['engine', 'autocannon', ...(wrkVersion && !smoke ? ['wrk'] : [])];
const isThreadsTool = (t) => /^threads-[1-9]\d*$/.test(t);
for (const t of tools) if (!knownTools.includes(t) && !isThreadsTool(t)) throw new Error(`unknown tool ${t}; known: ${knownTools.join(', ')}, threads-<N>`);
for (const n of flags.threads ? flags.threads.split(',').map((t) => t.trim()) : []) {
  if (!/^[1-9]\d*$/.test(n)) throw new Error(`--threads takes a list of thread counts (e.g. 1,2), got ${n}`);
  if (!tools.includes(`threads-${n}`)) tools = [...tools, `threads-${n}`];
}
const youngMb = flags['young-mb'] === undefined ? undefined : Math.round(positive('young-mb', flags['young-mb'], 1));
if (flags.cli && !tools.includes('cli')) tools = [...tools, 'cli'];
if (flags.naive && !tools.includes('naive')) tools = [...tools, 'naive'];
if (flags.floor && !tools.includes('floor')) tools = [...tools, 'floor'];
const openWarm = !flags['open-cold'];
const warmupS = Number(flags.warmup);
if (!(warmupS >= 0) || !Number.isFinite(warmupS)) throw new Error(`--warmup must be a number of seconds >= 0, got ${flags.warmup}`);
const notes = [];
if (tools.includes('wrk') && !wrkVersion) {
  tools = tools.filter((t) => t !== 'wrk');
  notes.push('wrk is not installed (apt-get install -y wrk): no wrk figures.');
}

const scenarios = smoke ? [SMOKE_SCENARIO] : selectScenarios(allScenarios({ openSessions }), flags.only);
const outDir = flags.out ?? (smoke ? mkdtempSync(join(tmpdir(), 'se-bench-smoke-')) : DEFAULT_OUT);
const log = (line) => process.stderr.write(`${line}\n`);

const plan = [];
for (const scenario of scenarios) {
  const scenarioTools = toolsFor(scenario, tools);
  // Interleaved: run 1 of every tool, then run 2 of every tool, ...
  for (let run = 1; run <= runs; run++) for (const tool of scenarioTools) plan.push({ scenario, tool, run });
}
const estimateS = plan.reduce((sum, p) => sum + (p.scenario.kind === 'idle' ? p.scenario.sessions / 1000 + 2 : durationS + 1.5), 0);
log(`bench: ${plan.length} runs, about ${estimateS < 120 ? `${Math.ceil(estimateS)} s` : `${Math.ceil(estimateS / 60)} min`}; ${scenarios.map((s) => s.id).join(', ')}; tools ${tools.join(', ')}`);

const target = await startTarget({ kind: /** @type {'auto'|'nginx'|'node'} */ (flags.target), core: TARGET_CORE });
const targetNote = flags.target === 'node' ? 'chosen with --target node' : 'fallback: nginx is not installed';
if (target.kind !== 'nginx') {
  notes.push(`The target is the demo target server (apps/target-server, ${targetNote}): slower than nginx, it may be the bottleneck.`);
}
if (!canPin) notes.push('taskset is not available: processes were not pinned to cores.');
let stopping = false;
const onSignal = async () => {
  if (stopping) process.exit(130);
  stopping = true;
  log('bench: interrupted, stopping the target');
  await target.stop();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const work = mkdtempSync(join(tmpdir(), 'se-bench-'));
const luaScript = wrkVersion ? writeWrkScript(work) : '';
const records = [];
let step = 0;
try {
  for (const { scenario, tool, run } of plan) {
    step++;
    const base = { core: GENERATOR_CORE, url: target.url, path: scenario.path, sessions: scenario.sessions, durationS, warmupS };
    const runOnce = () => {
      if (scenario.kind === 'idle') return runEngineIdle({ ...base, conns: engineConns, nodeFlags: engineNodeFlags });
      if (tool === 'engine') {
        return runEngine({ ...base, rate: scenario.rate, conns: engineConns, nodeFlags: engineNodeFlags, warm: openWarm });
      }
      if (tool === 'autocannon') return runAutocannon({ ...base, rate: scenario.rate });
      if (tool === 'wrk') return runWrk({ ...base, luaScript });
      if (tool === 'naive') return runNaive(base);
      if (tool === 'floor') return runFloor(base);
      if (isThreadsTool(tool)) return runThreadsTool({ ...base, rate: scenario.rate, threads: Number(tool.slice('threads-'.length)), youngMb });
      return runCli({ ...base, rate: scenario.rate });
    };
    let targetCpuBefore = target.cpuSeconds();
    let result = await runOnce();
    let retriedAfter;
    if (result.failure && !smoke) {
      // One retry: a transient failure (a package being rebuilt under us, say) should not leave a hole.
      retriedAfter = result.failure;
      log(`[${step}/${plan.length}] ${scenario.id} ${tool} #${run} failed, retrying once: ${result.failure}`);
      await new Promise((r) => setTimeout(r, 3000));
      targetCpuBefore = target.cpuSeconds();
      result = await runOnce();
    }
    const record = {
      scenario: scenario.id,
      kind: scenario.kind,
      scenarioSessions: scenario.sessions,
      path: scenario.path,
      rate: scenario.rate,
      run,
      ...result,
      tool,
      targetCpuS: target.cpuSeconds() - targetCpuBefore,
      ...(retriedAfter ? { retriedAfter } : {}),
    };
    if (!record.failure && record.elapsedS > 0) record.targetCpuPct = (record.targetCpuS / record.elapsedS) * 100;
    if (scenario.kind === 'open' && !record.failure) {
      // Starts per second against the target rate: the engine counts starts, autocannon responses.
      record.achievedRate = (record.iterations ?? record.requests) / durationS;
      record.rateErrorPct = ((record.achievedRate - scenario.rate) / scenario.rate) * 100;
    }
    records.push(record);
    const shown = record.failure
      ? `FAILED: ${record.failure}`
      : scenario.kind === 'idle'
        ? `${record.rssPerSessionKiB?.toFixed(1)} KiB RSS/session, ${record.sockets} sockets, ${record.cookies} cookies`
        : `${Math.round(record.rps)} req/s, ${Math.round(record.reqPerCpuS)} req/CPU-s, p99 ${record.p99Ms} ms, ${record.errors} errors`;
    log(`[${step}/${plan.length}] ${scenario.id} ${tool} #${run}: ${shown}`);
  }
} finally {
  await target.stop();
  rmSync(work, { recursive: true, force: true });
}

for (const r of records.filter((x) => x.retriedAfter && !x.failure)) {
  notes.push(`${r.scenario} ${r.tool} run ${r.run} failed once and was retried: ${r.retriedAfter}`);
}
const date = new Date();
const groups = summarise(records);
const meta = {
  date: date.toISOString(),
  args: process.argv.slice(2).join(' '),
  machine: { ...machineAtStart, loadEnd: loadAverage() },
  versions: {
    node: process.version,
    target: target.version,
    wrk: wrkVersion,
    autocannon: autocannonVersion(),
    engine: engineAtStart === engineVersion() ? engineAtStart : `${engineAtStart} at start, ${engineVersion()} at end`,
  },
  target: target.kind === 'nginx' ? 'nginx (1 worker, access log off, keepalive_requests 1e9)' : 'apps/target-server',
  targetNote: target.kind === 'nginx' ? undefined : targetNote,
  cores: { target: TARGET_CORE, generator: GENERATOR_CORE },
  pinned: canPin,
  durationS,
  runs,
  openSessions,
  engineConns: engineConns ?? 'config default',
  engineNodeFlags,
  youngMb: youngMb ?? 'config default',
  openWarm,
  warmupS,
  notes,
};
const markdown = renderMarkdown({ meta, groups, ratios: ratios(groups) });
const json = { ...meta, summary: groups, ratios: ratios(groups), runs: records };

mkdirSync(outDir, { recursive: true });
const day = date.toISOString().slice(0, 10);
for (const name of ['latest', day]) {
  writeFileSync(join(outDir, `${name}.md`), markdown);
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
}
process.stdout.write(`${markdown}\n`);
log(`bench: wrote ${relative(process.cwd(), join(outDir, 'latest.md')) || outDir} and latest.json (+ ${day} copies)`);

if (smoke) {
  // The smoke's only job: prove the harness still produces figures end to end.
  const rows = groups.filter((g) => g.kind === 'closed').map(closedRow);
  const problems = [];
  for (const tool of toolsFor(SMOKE_SCENARIO, tools)) {
    const group = groups.find((g) => g.tool === tool);
    const row = rows.find((r) => r[1] === tool);
    if (!group || !row || !markdown.includes(`| ${row.join(' | ')} |`)) problems.push(`${tool}: no table row`);
    else if (!((group.stats.requests?.median ?? 0) > 0)) problems.push(`${tool}: no requests (${group.failures.join('; ') || 'zero'})`);
  }
  if (problems.length > 0) {
    log(`bench smoke FAILED: ${problems.join('; ')}`);
    process.exit(1);
  }
  log('bench smoke ok');
  if (flags.out === undefined) rmSync(outDir, { recursive: true, force: true });
}
process.exit(0);

