/** Medians and ranges over repeated runs: the figures the report shows. */

/** @param {number[]} values */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median, min and max of one field over runs (runs lacking it are skipped).
 *
 * @param {Array<Record<string, unknown>>} runs
 * @param {string} field
 * @returns {{ median: number; min: number; max: number; n: number } | undefined}
 */
export function spread(runs, field) {
  const values = runs.map((r) => r[field]).filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return undefined;
  return { median: /** @type {number} */ (median(values)), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** a / b of two medians, or undefined when either is missing or b is 0. */
export function ratio(a, b) {
  if (a === undefined || b === undefined || !(b.median > 0)) return undefined;
  return a.median / b.median;
}

const FIELDS = ['requests', 'rps', 'reqPerCpuS', 'cpuUsPerReq', 'p50Ms', 'p99Ms', 'peakRssKiB', 'errors', 'achievedRate', 'rateErrorPct', 'dropped', 'targetCpuPct'];
const IDLE_FIELDS = ['rssPerSessionKiB', 'heapPerSessionKiB', 'sockets', 'cookies', 'totalRssKiB', 'errors'];

/**
 * Groups raw run records by scenario and tool and summarises each group.
 *
 * @param {Array<Record<string, any>>} records
 */
export function summarise(records) {
  const groups = new Map();
  for (const record of records) {
    const key = `${record.scenario}\u0000${record.tool}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        scenario: record.scenario,
        kind: record.kind,
        tool: record.tool,
        sessions: record.scenarioSessions,
        target: record.rate,
        runs: 0,
        failures: [],
        stats: {},
        records: [],
      };
      groups.set(key, group);
    }
    group.runs++;
    if (record.failure) group.failures.push(record.failure);
    else group.records.push(record);
  }
  for (const group of groups.values()) {
    for (const field of group.kind === 'idle' ? IDLE_FIELDS : FIELDS) {
      const s = spread(group.records, field);
      if (s) group.stats[field] = s;
    }
    delete group.records;
  }
  return [...groups.values()];
}

/** The engine's own rows: the composed engine and `runThreads()` with N threads. */
export const isEngineTool = (tool) => tool === 'engine' || /^threads-\d+$/.test(tool);

/**
 * Ratios of the medians, per scenario: each engine row (`engine`, `threads-N`)
 * against every peer present (autocannon, wrk, naive, floor), and `threads-N`
 * against `threads-1` (what more threads cost per request). The CLI and idle
 * scenarios have none.
 *
 * @param {ReturnType<typeof summarise>} groups
 */
export function ratios(groups) {
  const out = [];
  const scenarios = [...new Set(groups.map((g) => g.scenario))];
  for (const scenario of scenarios) {
    const rows = groups.filter((g) => g.scenario === scenario && g.kind !== 'idle');
    const peers = rows.filter((g) => !isEngineTool(g.tool) && g.tool !== 'cli');
    for (const subject of rows.filter((g) => isEngineTool(g.tool))) {
      const against = [...peers, ...(subject.tool.startsWith('threads-') && subject.tool !== 'threads-1' ? rows.filter((g) => g.tool === 'threads-1') : [])];
      for (const peer of against) {
        out.push({
          scenario,
          tool: subject.tool,
          peer: peer.tool,
          rps: ratio(subject.stats.rps, peer.stats.rps),
          reqPerCpuS: ratio(subject.stats.reqPerCpuS, peer.stats.reqPerCpuS),
        });
      }
    }
  }
  return out;
}
