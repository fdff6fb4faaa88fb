/**
 * The machine's limits, end to end: `engine run` started from a shell whose
 * file-descriptor limit was lowered (as `ulimit -n` does), against the real
 * target server on loopback. A run that cannot fit stops before any request;
 * one that fits runs; startup is reported apart from the load window.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineBin, useTarget, type EngineResult } from './processes.js';

const target = useTarget();
const dir = mkdtempSync(join(tmpdir(), 'engine-limits-'));
// The hard limit this test process may hand down; lowering below it needs no privilege.
const hardLimit = Number(execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim());

/** `engine <args>` exec'd from bash after `ulimits` (e.g. `ulimit -n 256`), as a user's shell would. */
function engineUnder(ulimits: string, args: string[], timeoutMs = 30_000): Promise<EngineResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const quoted = [process.execPath, engineBin, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `${ulimits} && exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.runIf(process.platform === 'linux')('the file-descriptor limit', () => {
  it('more sessions than the limit allows: exit 1 before any request, with the numbers and the ways out', async () => {
    const before = (await target().stats()).total_requests;
    // Soft and hard both 256: the engine cannot raise it.
    const result = await engineUnder('ulimit -n 256', ['run', '-t', `${target().url}/`, '-s', '500', '-d', '2s']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: this run needs at least 564 file descriptors (500 sessions x 1 connection + 64 for the engine)');
    expect(result.stderr).toContain('soft limit 256, hard limit 256');
    expect(result.stderr).toContain('at most 192 fit (-s 192)');
    expect(result.stderr).toContain('ulimit -n 564');
    expect(result.stderr).toMatch(/shards on several machines: 3 runs of 167 sessions/);
    expect(result.stderr).not.toMatch(/run started|EMFILE \d/);
    expect((await target().stats()).total_requests).toBe(before);
  });

  it.runIf(hardLimit >= 1_000)('a soft limit below the hard one is raised: 500 sessions run under ulimit -Sn 256', async () => {
    const result = await engineUnder('ulimit -Sn 256', ['run', '-t', `${target().url}/`, '-s', '500', '-n', '1000', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { total: number; failed: number; errors: Record<string, number>; sessions: { created: number } };
    expect(report).toMatchObject({ total: 1000, failed: 0, errors: {}, sessions: { created: 500 } });
  });

  it.runIf(hardLimit >= 1_000)('warns once when a script could open sessions x max_conns_per_host connections, and runs', async () => {
    const script = join(dir, 'one-request.mjs');
    writeFileSync(script, "export default async (session, context) => { await context.request({ path: '/' }); };\n");
    // 20 sessions x 200 connections + 64 > 1000, though 20 + 64 fit.
    const result = await engineUnder('ulimit -n 1000', ['run', '-t', `${target().url}`, '--script', script, '-s', '20', '-n', '40', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/could be needed/g)).toHaveLength(1);
    expect(result.stderr).toContain('up to 4064 file descriptors could be needed (20 sessions x max_conns_per_host 200');
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 40, failed: 0 });
  });
});

describe('startup and the load window', () => {
  it('-d is load time: startup is reported apart, in --json and on the summary duration line', async () => {
    const out = join(dir, 'report.json');
    const result = await engineUnder('true', ['run', '-t', `${target().url}/`, '-s', '200', '-d', '1s', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}duration {4}1\.\d s {3}startup \d+\.\d s {3}sessions 200 /m);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { duration: number; startup: number; started_at: string; finished_at: string };
    expect(report.startup).toBeGreaterThan(0);
    expect(report.duration).toBeGreaterThanOrEqual(1);
    expect(report.duration).toBeLessThan(2);
    expect(Date.parse(report.finished_at) - Date.parse(report.started_at)).toBeCloseTo(report.duration * 1000, -1);
  });
});
