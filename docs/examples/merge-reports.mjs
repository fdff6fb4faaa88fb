/**
 * Two runs side by side (two shards of one test: processes, machines, or here two run() calls in one
 * process), merged into the report one run would have written for both. Start a target first, then:
 *
 *   node apps/target-server/bin/target-server.js --port 8080 &
 *   node docs/examples/merge-reports.mjs http://127.0.0.1:8080
 */
import { loadConfig } from '@session-engine/config';
import { mergeReports, run } from '@session-engine/runner';

const target = process.argv[2] ?? 'http://127.0.0.1:8080';
const shard = () =>
  loadConfig({ overrides: { target_url: target, number_of_sessions: 10, iterations: 100, log_level: 'warn' } }).then((config) =>
    run({ config, logMetrics: false }),
  );

const [a, b] = await Promise.all([shard(), shard()]);

// A report survives JSON (what `engine run --out` writes), so shards can be merged from files.
const merged = mergeReports([a, b].map((report) => JSON.parse(JSON.stringify(report))));

for (const [name, report] of [['a', a], ['b', b], ['merged', merged]]) {
  console.log(
    `${name.padEnd(6)} sessions ${report.sessions.created}  iterations ${report.iterations}  requests ${report.total}  ` +
      `failed ${report.failed}  latency count ${report.latency.count}`,
  );
}
// Percentiles come from the merged histogram (bucket by bucket), never from averaging a and b.
console.log(`merged p95 ${merged.latency.p95} ms (a ${a.latency.p95} ms, b ${b.latency.p95} ms)`);
// Timelines merge by t: requests, iterations, rps and active sessions add up per entry.
console.log(`merged timeline: ${merged.timeline.length} entries, ${merged.timeline.reduce((sum, entry) => sum + entry.requests, 0)} requests`);
