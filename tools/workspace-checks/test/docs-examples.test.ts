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

  it('compose-engine.mjs: the engine built from the packages runs and reports', async () => {
    const result = await runNode(['docs/examples/compose-engine.mjs', server.url]);
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = result.stdout.split('\n');
    expect(first).toMatch(/^duration after \d+ iterations \(0 failed\) with 20 sessions$/);
    expect(second).toMatch(/^total: \d+ \| success: \d+ \| failed: 0 \| rps: [\d.]+ \| sessions: 20$/);
    expect(server.stats().sessions.count).toBe(20);
  });
});
