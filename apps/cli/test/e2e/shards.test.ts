/**
 * Shards, end to end with real processes on loopback: three `engine run
 * --shard i/3` processes with one `--start-at` do the one-process run's work
 * (the same totals, the target's own count; in the open model the union of
 * their starts is the one schedule's), `engine report merge` checks that the
 * reports are one run and merges them, and a shard too late for `--start-at`
 * exits 75 without sending anything.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngine, useTarget } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'engine-e2e-shards-'));

interface Report {
  reason: string;
  started_at: string;
  total: number;
  success: number;
  failed: number;
  iterations: number;
  dropped: number;
  sessions: { configured: number; created: number };
  timeline: { requests: number; iterations: number }[];
  threads?: { thread: number; first_session: number; iterations: number }[];
  shard?: { index: number; count: number };
  run_id?: string | null;
  start_at?: string | null;
  config_hash?: string;
  shards?: { shard: number; source: string; iterations: number; total: number; sessions: number }[];
  partial?: string;
  thresholds: { expr: string; ok: boolean }[];
}

const read = (path: string): Report => JSON.parse(readFileSync(path, 'utf8')) as Report;
/** A start time every shard can meet: far enough ahead for three processes to create their sessions on a busy machine. */
const startAt = (leadMs: number): string => new Date(Date.now() + leadMs).toISOString();

/** Runs shards 0..count-1 of one run side by side, each writing shard-<i>.json under `name`; resolves with their report paths. */
async function runShards(name: string, count: number, args: string[]): Promise<string[]> {
  const at = startAt(4_000);
  const paths = Array.from({ length: count }, (_, i) => join(dir, `${name}-shard-${i}.json`));
  const results = await Promise.all(
    paths.map((out, i) => runEngine(['run', ...args, '--shard', `${i}/${count}`, '--run-id', name, '--start-at', at, '--out', out, '--json'], { timeoutMs: 60_000 })),
  );
  results.forEach((result) => expect(result.code, result.stderr).toBe(0));
  for (const path of paths) {
    const report = read(path);
    expect(report.run_id).toBe(name);
    expect(report.start_at).toBe(at);
    // Nobody started before the common time (the shards' clocks are this machine's).
    expect(Date.parse(report.started_at)).toBeGreaterThanOrEqual(Date.parse(at));
  }
  return paths;
}

describe('engine run --shard and engine report merge', () => {
  it('three shards of -n merge into the one-process run: the same totals, the target counted them', async () => {
    await fetch(`${target().url}/stats/reset`, { method: 'POST' });
    const args = ['-t', `${target().url}/`, '-s', '7', '-n', '301'];
    const paths = await runShards('budget', 3, args);
    const counted = (await target().stats()).total_requests;
    const out = join(dir, 'budget-merged.json');
    const merge = await runEngine(['report', 'merge', ...paths, '--out', out, '--expect-shards', '3']);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/session-engine run summary/);
    const merged = read(out);
    expect(merged.partial).toBeUndefined();
    expect(merged.shards?.map((row) => [row.shard, row.sessions, row.iterations])).toEqual([
      [0, 3, 101],
      [1, 2, 100],
      [2, 2, 100],
    ]);
    expect(counted).toBe(merged.total);

    await fetch(`${target().url}/stats/reset`, { method: 'POST' });
    const single = await runEngine(['run', ...args, '--json']);
    expect(single.code, single.stderr).toBe(0);
    const one = JSON.parse(single.stdout) as Report;
    for (const report of [merged, one]) {
      expect(report).toMatchObject({ reason: 'iterations', iterations: 301, total: 301, success: 301, failed: 0 });
      expect(report.sessions).toMatchObject({ configured: 7, created: 7 });
      expect(report.timeline.reduce((sum, entry) => sum + entry.requests, 0)).toBe(301);
    }
    expect((await target().stats()).total_requests).toBe(one.total);
  }, 90_000);

  it('open model, two threads per shard: the six parts take every sixth start of one schedule, so the union is the single run\'s starts', async () => {
    // 60 starts/s, a budget of 42: arrivals 0..41 of one schedule, k = p, p + 6, ... in part p; idle sessions to spare, none dropped.
    const args = ['-t', `${target().url}/`, '-s', '24', '-r', '60', '-n', '42', '--threads', '2'];
    const paths = await runShards('open', 3, args);
    for (const [i, path] of paths.entries()) {
      const report = read(path);
      expect(report.shard).toEqual({ index: i, count: 3 });
      expect(report.dropped).toBe(0);
      // Global session ids: shard i holds 8 sessions after the earlier shards' 8 each.
      expect(report.threads?.map((row) => [row.first_session, row.iterations])).toEqual([
        [8 * i + 1, 7],
        [8 * i + 5, 7],
      ]);
    }
    const out = join(dir, 'open-merged.json');
    const merge = await runEngine(['report', 'merge', ...paths, '--out', out]);
    expect(merge.code, merge.stderr).toBe(0);
    const merged = read(out);
    const single = await runEngine(['run', ...args, '--json']);
    expect(single.code, single.stderr).toBe(0);
    const one = JSON.parse(single.stdout) as Report;
    for (const report of [merged, one]) expect(report).toMatchObject({ iterations: 42, total: 42, dropped: 0 });
    expect(merged.shards?.map((row) => row.iterations)).toEqual([14, 14, 14]);
  }, 90_000);

  it('report merge refuses other runs, other configs, a shard twice or missing; --allow-partial merges what there is, marked partial', async () => {
    const shard = async (name: string, spec: string, extra: string[] = []): Promise<string> => {
      const out = join(dir, `check-${name}.json`);
      const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '2', '-n', '4', '--shard', spec, '--run-id', name.startsWith('b') ? 'run-b' : 'run-a', '--out', out, ...extra]);
      expect(result.code, result.stderr).toBe(0);
      return out;
    };
    const [a0, a1, b1, header1] = await Promise.all([shard('a0', '0/2'), shard('a1', '1/2'), shard('b1', '1/2'), shard('a1-header', '1/2', ['-H', 'x-tenant: blue'])]);
    const merge = (files: string[], extra: string[] = []) => runEngine(['report', 'merge', ...files, '--out', join(dir, 'check-merged.json'), ...extra]);

    const runs = await merge([a0, b1]);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toMatch(/^error: the reports are of different runs: run ids "run-a" \(.*check-a0.json\) vs "run-b" \(.*check-b1.json\)/m);
    const configs = await merge([a0, header1]);
    expect(configs.code).toBe(1);
    expect(configs.stderr).toMatch(/^error: the shards ran different configs: config hashes "sha256:[0-9a-f]{64}" \(.*check-a0.json\) vs "sha256:/m);
    const twice = await merge([a0, a0]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^error: shard 0\/2 is given twice: .*check-a0.json and .*check-a0.json; pass each shard's report once/m);
    const missing = await merge([a1]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: shard 0 of 2 missing \(have 1\); pass every shard's report, or --allow-partial/m);
    const expected = await merge([a0, a1], ['--expect-shards', '3']);
    expect(expected.code).toBe(1);
    expect(expected.stderr).toMatch(/expected 3 shards, but the reports are of a run of 2 shards/);

    const partial = await merge([a1], ['--allow-partial']);
    expect(partial.code, partial.stderr).toBe(0);
    const report = read(join(dir, 'check-merged.json'));
    expect(report.partial).toBe('shard 0 of 2 missing');
    expect(report.total).toBe(2);
    expect(partial.stderr).toMatch(/PARTIAL: shard 0 of 2 missing/);

    const whole = await merge([a1, a0]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(read(join(dir, 'check-merged.json'))).toMatchObject({ total: 4, iterations: 4, run_id: 'run-a' });
  }, 90_000);

  it('evaluates thresholds on the merged figures: exit 99 when one is crossed', async () => {
    const paths = await Promise.all(
      ['0/2', '1/2'].map(async (spec, i) => {
        const out = join(dir, `threshold-${i}.json`);
        // Every request fails (404), so error_rate<1% is crossed in each shard and in the merge.
        const result = await runEngine(['run', '-t', `${target().url}/no-such-path`, '-s', '2', '-n', '4', '--shard', spec, '--threshold', 'error_rate<1%', '--out', out]);
        expect(result.code, result.stderr).toBe(99);
        return out;
      }),
    );
    const merge = await runEngine(['report', 'merge', ...paths, '--out', join(dir, 'threshold-merged.json')]);
    expect(merge.code, merge.stderr).toBe(99);
    expect(read(join(dir, 'threshold-merged.json')).thresholds).toEqual([expect.objectContaining({ expr: 'error_rate<1%', ok: false })]);
  }, 60_000);

  it('a shard ready later than --start-at plus --max-start-lag exits 75 and sends nothing', async () => {
    await fetch(`${target().url}/stats/reset`, { method: 'POST' });
    const past = new Date(Date.now() - 60_000).toISOString();
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '3', '-d', '5s', '--shard', '1/3', '--start-at', past, '--max-start-lag', '2s', '--json']);
    expect(result.code, result.stderr).toBe(75);
    expect(result.stderr).toMatch(/^error: shard 1\/3 was ready \d+ ms after --start-at .* more than --max-start-lag 2000 ms/m);
    expect(result.stdout).toBe('');
    expect((await target().stats()).total_requests).toBe(0);
  });

  it('takes the shard from the environment too: SESSION_ENGINE_SHARD=auto/2 with JOB_COMPLETION_INDEX, as in a Kubernetes pod', async () => {
    const result = await runEngine(['run', '-t', `${target().url}/`, '-s', '4', '-n', '10', '--json'], {
      env: { SESSION_ENGINE_SHARD: 'auto/2', JOB_COMPLETION_INDEX: '1', SESSION_ENGINE_RUN_ID: 'env-run' },
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ shard: { index: 1, count: 2 }, run_id: 'env-run', iterations: 5, total: 5 });
    expect(result.stdout).toMatch(/"config_hash": "sha256:[0-9a-f]{64}"/);
  });

  it('refuses bad shard flags before anything starts', async () => {
    const bad = async (args: string[], pattern: RegExp): Promise<void> => {
      const result = await runEngine(['run', '-t', `${target().url}/`, '-n', '1', ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(pattern);
    };
    await bad(['--shard', '3/3'], /--shard 3\/3: the index is 0-based and must be below the count/);
    await bad(['--shard', 'auto/3'], /JOB_COMPLETION_INDEX .*not set/);
    await bad(['--shard', '0/2', '--start-at', 'tomorrow'], /--start-at "tomorrow" is not an ISO 8601 time with a time zone/);
    await bad(['--run-id', 'x'], /--run-id goes with --shard/);
    await bad(['-s', '2', '--shard', '0/3'], /3 shards need at least one session/);
  });
});
