/** Renders the summarised runs as the markdown page under docs/benchmarks/. */

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const one = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function num(value, format) {
  return value === undefined || !Number.isFinite(value) ? '-' : format.format(value);
}

/** `median (min-max)`, or just the median for a single run. */
function cell(stat, format = int) {
  if (!stat) return '-';
  if (stat.n === 1 || stat.min === stat.max) return num(stat.median, format);
  return `${num(stat.median, format)} (${num(stat.min, format)}-${num(stat.max, format)})`;
}

const x = (r) => (r === undefined ? '-' : `${dec.format(r)}x`);

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The row of one tool in one closed scenario, as the smoke check looks for it. */
export function closedRow(g) {
  const s = g.stats;
  return [
    g.scenario,
    g.tool,
    cell(s.rps),
    cell(s.reqPerCpuS),
    cell(s.cpuUsPerReq, one),
    cell(s.p50Ms, dec),
    cell(s.p99Ms, dec),
    cell(s.peakRssKiB && { ...s.peakRssKiB, median: s.peakRssKiB.median / 1024, min: s.peakRssKiB.min / 1024, max: s.peakRssKiB.max / 1024 }, one),
    cell(s.targetCpuPct),
    cell(s.errors),
    `${g.runs - g.failures.length}/${g.runs}`,
  ];
}

/**
 * @param {{ meta: Record<string, any>; groups: any[]; ratios: any[] }} data
 */
export function renderMarkdown({ meta, groups, ratios }) {
  const lines = [];
  lines.push(`# session-engine benchmarks`, '');
  lines.push(`Run ${meta.date} by \`npm run bench${meta.args ? ` -- ${meta.args}` : ''}\` (tools/bench).`, '');
  lines.push(`- Machine: ${meta.machine.nproc} CPUs (${meta.machine.cpu}), ${one.format(meta.machine.memGiB)} GiB RAM, ${meta.machine.os}; load average at start ${meta.machine.loadStart}, at end ${meta.machine.loadEnd ?? '-'}`);
  lines.push(`- Versions: node ${meta.versions.node}, ${meta.versions.target}, ${meta.versions.wrk ?? 'wrk not installed'}, autocannon ${meta.versions.autocannon}, engine ${meta.versions.engine}`);
  lines.push(`- Target: ${meta.target}${meta.targetNote ? ` (${meta.targetNote})` : ''}, pinned to CPU ${meta.cores.target}; generators pinned to CPU ${meta.cores.generator}${meta.pinned ? '' : ' (taskset missing: NOT pinned)'}`);
  lines.push(
    `- Engine: config defaults except sessions = workers = connections of the peers; max_conns_per_host ${meta.engineConns ?? 'config default'}` +
      `${meta.engineNodeFlags?.length ? `; node flags ${meta.engineNodeFlags.join(' ')}` : ''}; open model with ${meta.openSessions ?? '-'} sessions.`,
  );
  lines.push(`- ${meta.runs} run(s) of ${meta.durationS} s per tool and configuration, interleaved (A B A B); cells are \`median (min-max)\`.`);
  if (meta.warmupS > 0) lines.push(`- Warm: every JS tool ran the same load for ${meta.warmupS} s in its own process before its window, unmeasured (\`--warmup\`); wrk has no JIT to warm.`);
  lines.push('- req/CPU-s: requests per second of the generator process\'s own CPU time (user + system, all threads) over the load window; us CPU/req is its inverse.');
  lines.push('- target CPU %: CPU time of the target process(es) over the run, per second of run: near 100 the target, not the generator, is the limit.', '');

  const closed = groups.filter((g) => g.kind === 'closed');
  if (closed.length > 0) {
    lines.push('## Closed model', '');
    lines.push(
      table(['scenario', 'tool', 'req/s', 'req/CPU-s', 'us CPU/req', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'target CPU %', 'errors', 'ok runs'], closed.map(closedRow)),
      '',
    );
  }

  if (ratios.length > 0) {
    lines.push('## Engine / peer (ratio of medians)', '');
    lines.push(
      table(
        ['scenario', 'engine', 'peer', 'req/s', 'req/CPU-s'],
        ratios.map((r) => [r.scenario, r.tool, r.peer, x(r.rps), x(r.reqPerCpuS)]),
      ),
      '',
    );
  }

  const open = groups.filter((g) => g.kind === 'open');
  if (open.length > 0) {
    lines.push('## Open model', '');
    lines.push(
      table(
        ['scenario', 'tool', 'target/s', 'achieved/s', 'error vs target %', 'p50 ms', 'p99 ms', 'dropped', 'errors', 'ok runs'],
        open.map((g) => [
          g.scenario,
          g.tool,
          int.format(g.target ?? 0),
          cell(g.stats.achievedRate),
          cell(g.stats.rateErrorPct, dec),
          cell(g.stats.p50Ms, dec),
          cell(g.stats.p99Ms, dec),
          cell(g.stats.dropped),
          cell(g.stats.errors),
          `${g.runs - g.failures.length}/${g.runs}`,
        ]),
      ),
      '',
      'Engine latency is measured from each start\'s intended time (coordinated omission corrected); autocannon\'s `overallRate` spreads a total rate over its connections and measures from the actual send.',
      meta.openWarm
        ? 'Before the window each engine session made one request (its connection is open), as autocannon opens all its connections at its start; a cold start costs ~0.4 ms CPU per session for the first connect, so 1000 fresh sessions at 5k/s overload the first ~0.5 s (`--open-cold` measures it; ramp up with `stages` in real runs).'
        : 'Cold start (`--open-cold`): the engine\'s sessions open their connections inside the window.',
      '',
    );
  }

  const idle = groups.filter((g) => g.kind === 'idle');
  if (idle.length > 0) {
    lines.push('## Idle sessions (memory after GC)', '');
    lines.push(
      table(
        ['scenario', 'sessions', 'RSS/session KiB', 'heap/session KiB', 'open sockets', 'cookies', 'process RSS MiB', 'errors', 'ok runs'],
        idle.map((g) => [
          g.scenario,
          int.format(g.sessions ?? 0),
          cell(g.stats.rssPerSessionKiB, one),
          cell(g.stats.heapPerSessionKiB, one),
          cell(g.stats.sockets),
          cell(g.stats.cookies),
          cell(g.stats.totalRssKiB && { ...g.stats.totalRssKiB, median: g.stats.totalRssKiB.median / 1024, min: g.stats.totalRssKiB.min / 1024, max: g.stats.totalRssKiB.max / 1024 }, one),
          cell(g.stats.errors),
          `${g.runs - g.failures.length}/${g.runs}`,
        ]),
      ),
      '',
      'Each session made one request to `/cookie` and keeps its keep-alive socket and one cookie; the figures are the growth over a baseline taken after a warm-up session (fixed costs excluded).',
      '',
    );
  }

  const failures = groups.flatMap((g) => g.failures.map((f) => `- ${g.scenario} ${g.tool}: ${f}`));
  if (failures.length > 0) lines.push('## Failed runs', '', ...failures, '');
  if (meta.notes?.length > 0) lines.push('## Notes', '', ...meta.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}`;
}
