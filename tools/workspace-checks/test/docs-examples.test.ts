import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTargetServer, type RunningTargetServer } from '@session-engine/target-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * Runs every example under docs/examples as the docs tell users to, against a
 * real target server on 127.0.0.1, so an example that stops working fails here.
 * Needs the built CLI and packages (the nx test target depends on cli:build).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const engineBin = `${root}apps/cli/bin/run.js`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with args from the workspace root, without inherited SESSION_ENGINE_* settings; killed after 60 s. */
function runNode(args: string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SESSION_ENGINE_')) env[key] = value;
  // Nx sets FORCE_COLOR for its tasks; an example's printed objects must read as a user sees them.
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Report {
  total: number;
  success: number;
  failed: number;
  iterations: number;
  failed_iterations: number;
  failure_reasons: Record<string, number>;
  steps: Record<string, { total: number; failed: number }>;
}

function report(result: Result): Report {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Report;
}

describe('docs/examples', () => {
  let server: RunningTargetServer;

  beforeEach(async () => {
    expect(existsSync(`${root}apps/cli/dist/commands/run.js`), 'build first: npx nx run @session-engine/cli:build').toBe(true);
    server = await startTargetServer({ port: 0 });
  });

  afterEach(async () => {
    await server.close({ timeoutMs: 1000 });
  });

  it('scenario.json: login once, me, counter, echo, with captures and templates, no failures', async () => {
    const result = await runNode([engineBin, 'run', '-c', 'docs/examples/scenario.json', '-t', server.url, '-s', '3', '-n', '12', '--json']);
    const run = report(result);
    expect(run.failure_reasons).toEqual({});
    expect(run.failed).toBe(0);
    expect(run.iterations).toBe(12);
    expect(Object.keys(run.steps)).toEqual(['login', 'me', 'counter', 'echo']);
    expect(run.steps['login']!.total).toBe(3);
    expect(run.steps['echo']!.total).toBe(12);
    const stats = server.stats();
    expect(stats.sessions.count).toBe(3);
    expect(stats.total_requests).toBe(run.total);
  });

  it.each(['job.mjs', 'job.ts'])('%s: a script job that logs in once and checks its counter', async (script) => {
    const result = await runNode([engineBin, 'run', '-t', server.url, '--script', `docs/examples/${script}`, '-s', '3', '-n', '15', '--json']);
    const run = report(result);
    expect(run.failure_reasons).toEqual({});
    expect(run.failed_iterations).toBe(0);
    expect(run.steps['login']!.total).toBe(3);
    expect(run.steps['counter']!.total).toBe(15);
    expect(server.stats().sessions.count).toBe(3);
  });

  it('compose-engine.mjs: run() from the runner stops after its iterations and returns a report', async () => {
    const result = await runNode(['docs/examples/compose-engine.mjs', server.url]);
    expect(result.code, result.stderr).toBe(0);
    const [first, second, third] = result.stdout.split('\n');
    expect(first).toBe('reason iterations, 200 iterations (0 failed, 0 interrupted)');
    // 20 logins (once per session) + 200 /api/me.
    expect(second).toBe('requests 220 = 220 ok + 0 failed; steps { login: 20, me: 200 }');
    expect(third).toMatch(/^timeline: \d+ entries, their requests add up to 220$/);
    expect(result.stdout).toContain('session-engine run summary (closed model, stopped after its iterations)');
    expect(result.stdout).toMatch(/^ {2}duration +[\d.]+ s {3}startup [\d.]+ s {3}sessions 20 \(20 pre-connected\) {3}iterations 200$/m);
    expect(result.stdout).toMatch(/^ {4}step +requests +failed +p50 +p95 +p99$/m);
    const stats = server.stats();
    expect(stats.sessions.count).toBe(20);
    expect(stats.total_requests).toBe(220);
  });

  it('compose-packages.mjs: sessions, pool, scheduler and the scenario job under one Lifecycle', async () => {
    const result = await runNode(['docs/examples/compose-packages.mjs', server.url]);
    expect(result.code, result.stderr).toBe(0);
    const [first, second, third] = result.stdout.split('\n');
    expect(first).toBe('iterations: 200 iterations, 0 failed, 0 interrupted');
    expect(second).toMatch(/^total: 220 \| success: 220 \| failed: 0 \| rps: [\d.]+ \| sessions: 20$/);
    expect(third).toBe('failure reasons {}');
    const stats = server.stats();
    expect(stats.sessions.count).toBe(20);
    expect(stats.total_requests).toBe(220);
  });

  it('merge-reports.mjs: two runs side by side merge into one report', async () => {
    const result = await runNode(['docs/examples/merge-reports.mjs', server.url]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^a {6}sessions 10 {2}iterations 100 {2}requests 100 {2}failed 0 {2}latency count 100$/);
    expect(lines[1]).toMatch(/^b {6}sessions 10 {2}iterations 100 {2}requests 100 {2}failed 0 {2}latency count 100$/);
    expect(lines[2]).toBe('merged sessions 20  iterations 200  requests 200  failed 0  latency count 200');
    expect(lines[3]).toMatch(/^merged p95 [\d.]+ ms \(a [\d.]+ ms, b [\d.]+ ms\)$/);
    expect(lines[4]).toMatch(/^merged timeline: \d+ entries, 200 requests$/);
    expect(server.stats().total_requests).toBe(200);
  });
});
