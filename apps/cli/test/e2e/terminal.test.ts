/**
 * engine run on a terminal: stderr a pseudo-terminal made by util-linux's
 * `script` (Debian bsdutils, an essential package), as when a user runs it by
 * hand. The live status line is drawn in place, the warm-up's marked as such,
 * and the log lines the worker threads write to fd 2 themselves first clear
 * the status line's row instead of running on after its text.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { engineBin, useTarget } from './processes.js';

const target = useTarget();

/** Runs `engine <args>` with stdin, stdout and stderr on one pseudo-terminal; resolves with all it printed. */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, engineBin, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => resolve({ code, output }));
    });
  });
}

const CLEAR_LINE = '\r\x1b[2K';

// util-linux's script; BSD and macOS script take other flags.
describe.runIf(process.platform === 'linux')('engine run on a terminal', () => {
  it('draws the warm-up and then the window on the live line; thread log lines clear it first', async () => {
    const { code, output } = await runOnTerminal(
      ['run', '-t', `${target().url}/`, '-s', '4', '-d', '1s', '--warmup', '1s', '--threads', '2'],
      { SESSION_ENGINE_TIMELINE_INTERVAL: '200ms' },
    );
    expect(code, output).toBe(0);
    const warmup = output.indexOf(`${CLEAR_LINE}warm-up [`);
    const window = output.search(new RegExp(`${CLEAR_LINE.replace('[', '\\[')}\\[[= ]{20}\\] \\ds/1s {2}sessions 4 `));
    expect(warmup, output).toBeGreaterThanOrEqual(0);
    expect(window, output).toBeGreaterThan(warmup);
    expect(output).toMatch(/warm-up \[[= ]{20}\] \ds\/1s \(not counted\) {2}sessions 4 {2}[\d,]+ req\/s/);
    // Every log line of the threads ({"thread":0} / {"thread":1}) starts on a cleared row.
    const threadLines = [...output.matchAll(/([\s\S]{0,5})\[\d{4}-\d\d-\d\dT[\d:.]+Z\] INFO: [^\n]*"thread":\d/g)];
    expect(threadLines.length).toBeGreaterThanOrEqual(4);
    for (const [, before] of threadLines) expect(before!.endsWith(CLEAR_LINE), JSON.stringify(before)).toBe(true);
    // The summary starts on a row of its own, the live line cleared before it.
    expect(output).toMatch(/\nsession-engine run summary \(closed model, stopped by duration\)\r?\n/);
    expect(output).toMatch(/warm-up\s+1\.\d s before the window/);
  });
});
