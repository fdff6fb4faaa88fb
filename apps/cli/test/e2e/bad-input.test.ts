/**
 * Bad input end to end: the built `engine` given a broken config, proxy list,
 * script or flag must exit 1 before sending anything, with one precise
 * message on stderr (what, where, how to fix), no stack trace, and nothing on
 * stdout (which is reserved for the report). Also `--help` and `--version`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { runEngine, type EngineResult } from './processes.js';

// Nothing is ever sent here: every run below must fail before the first request.
const TARGET = 'http://127.0.0.1:9/';
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir per test: no test shares its files with another. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'se-e2e-bad-input-'));
  dirs.push(dir);
  return dir;
}

function file(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs the engine in `cwd` and checks the shape every bad input shares; returns stderr. */
async function failsWith(expect: ExpectStatic, args: string[], cwd: string): Promise<string> {
  const result: EngineResult = await runEngine(args, { timeoutMs: 15_000, cwd });
  expect(result.code, `stderr: ${result.stderr}`).toBe(1);
  expect(result.stdout).toBe('');
  // No stack trace ("    at fn (file:line:col)") unless --log-level debug.
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(result.stderr).toMatch(/^error: /m);
  return result.stderr;
}

describe('engine run with bad input', () => {
  it('names an unknown config key, suggests the closest valid one and gives file:line:col', async ({ expect }) => {
    const dir = tempDir();
    const config = file(dir, 'engine.json', '{\n  "target_url": "http://127.0.0.1:9/",\n  "number_of_sesions": 5\n}\n');
    const stderr = await failsWith(expect, ['run', '-c', config], dir);
    expect(stderr).toContain(`${config}:3:3`);
    expect(stderr).toContain('"number_of_sesions"');
    expect(stderr).toMatch(/did you mean "number_of_sessions"/);
  });

  it('points at the line and column of malformed JSON', async ({ expect }) => {
    const dir = tempDir();
    const config = file(dir, 'engine.json', '{\n  "target_url": "http://127.0.0.1:9/",\n  "number_of_sessions": 5,\n}\n');
    const stderr = await failsWith(expect, ['run', '-c', config], dir);
    expect(stderr).toContain(`${config}:4:1`);
    expect(stderr).toMatch(/invalid JSON/);
    expect(stderr).toMatch(/trailing comma/);
  });

  it('says which config file is missing', async ({ expect }) => {
    const dir = tempDir();
    const missing = join(dir, 'nope.json');
    const stderr = await failsWith(expect, ['run', '-c', missing], dir);
    expect(stderr).toContain(missing);
    expect(stderr).toMatch(/not found/);
  });

  it.for([
    ['text after the URL that is not a weight', 'http://127.0.0.1:8080 extra', /unexpected text after the proxy URL; only "weight=<n>" may follow it/],
    ['a weight out of range', 'http://127.0.0.1:8080 weight=0', /bad weight 0; use a whole number from 1 to 1000/],
    ['an unsupported scheme', 'ftp://127.0.0.1:21', /unsupported scheme "ftp"/],
    ['a port out of range', 'http://127.0.0.1:99999', /bad port "99999"/],
    ['a missing scheme', '127.0.0.1:8080', /missing scheme/],
  ] as const)('rejects a proxy file with %s, naming file:line and the reason', async ([, line, reason], { expect }) => {
    const dir = tempDir();
    // Line 3: a comment and a valid proxy come first, so the line number is checked.
    const proxies = file(dir, 'proxies.txt', `# proxies\nsocks5://127.0.0.1:1080\n${line}\n`);
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--proxy-file', proxies], dir);
    expect(stderr).toContain(`${proxies}:3:`);
    expect(stderr).toMatch(reason);
  });

  it('never echoes the text of a malformed proxy line that may hold a password', async ({ expect }) => {
    const dir = tempDir();
    // A password with no "@" after it ends up where the port should be.
    const proxies = file(dir, 'proxies.txt', 'http://user:Sup3rSecretPw@127.0.0.1\n');
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--proxy-file', proxies], dir);
    expect(stderr).toContain(`${proxies}:1:`);
    expect(stderr).not.toContain('Sup3rSecretPw');
  });

  it('says which proxy file is missing', async ({ expect }) => {
    const dir = tempDir();
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--proxy-file', join(dir, 'missing-proxies.txt')], dir);
    expect(stderr).toContain('missing-proxies.txt');
    expect(stderr).toMatch(/ENOENT|not found|no such file/i);
  });

  it('names a missing script file, as given and resolved', async ({ expect }) => {
    const dir = tempDir();
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--script', './missing-job.mjs'], dir);
    expect(stderr).toContain('./missing-job.mjs');
    expect(stderr).toContain(join(dir, 'missing-job.mjs'));
    expect(stderr).toMatch(/not found/);
  });

  it('says a script without a default export must export a default function', async ({ expect }) => {
    const dir = tempDir();
    const script = file(dir, 'job.mjs', 'export const job = async () => {};\n');
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--script', script], dir);
    expect(stderr).toContain(script);
    expect(stderr).toMatch(/must export a default function/);
  });

  it('says a script that does not load failed to load, and why', async ({ expect }) => {
    const dir = tempDir();
    const script = file(dir, 'job.mjs', 'export default async (session, context) => {\n');
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--script', script], dir);
    expect(stderr).toContain(script);
    expect(stderr).toMatch(/failed to load: .*Unexpected end of input/);
  });

  it('names a scenario template variable that no earlier step captures, with the step and field, before any request', async ({ expect }) => {
    const dir = tempDir();
    const config = file(
      dir,
      'engine.json',
      JSON.stringify({ scenario: [{ name: 'home', path: '/' }, { name: 'profile', path: '/users/{{user_id}}' }] }, null, 2),
    );
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '-c', config], dir);
    expect(stderr).toContain('scenario[1].path');
    expect(stderr).toContain('user_id');
    expect(stderr).toContain('profile');
    expect(stderr).toContain(`${config}:`);
  });

  it('rejects --duration abc with the flag, the value and an example', async ({ expect }) => {
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '--duration', 'abc'], tempDir());
    expect(stderr).toContain('--duration "abc" is not a duration');
    expect(stderr).toMatch(/e\.g\. 30s/);
  });

  it('rejects -H novalue and shows the expected "Name: value" form', async ({ expect }) => {
    const stderr = await failsWith(expect, ['run', '-t', TARGET, '-H', 'novalue'], tempDir());
    expect(stderr).toContain('--header "novalue" is not a header');
    expect(stderr).toContain('"Name: value"');
  });

  it('rejects a target that is not an absolute URL', async ({ expect }) => {
    const stderr = await failsWith(expect, ['run', '-t', 'not-a-url'], tempDir());
    expect(stderr).toContain('target_url');
    expect(stderr).toContain('"not-a-url" is not an absolute URL');
  });

  it('rejects flag values the parser refuses with exit 1, naming the flag', async ({ expect }) => {
    for (const args of [['-s', 'abc'], ['-s', '0'], ['--log-level', 'loud'], ['--no-such-flag']]) {
      const stderr = await failsWith(expect, ['run', '-t', TARGET, ...args], tempDir());
      expect(stderr).toMatch(args[0] === '-s' ? /--sessions/ : args[0] === '--log-level' ? /--log-level/ : /--no-such-flag/);
      expect(stderr).toContain('See: engine run --help');
    }
  }, 60_000);

  it('asks for --target or --demo when there is no target', async ({ expect }) => {
    // Empty in the child: a developer's shell must not supply a target.
    const result = await runEngine(['run'], { timeoutMs: 15_000, cwd: tempDir(), env: { SESSION_ENGINE_TARGET_URL: '' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no target/);
    expect(result.stderr).toContain('--target');
    expect(result.stderr).toContain('--demo');
    expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

describe('engine help and version', () => {
  const flags = [
    ['-c', '--config'],
    ['-t', '--target'],
    ['-s', '--sessions'],
    ['-w', '--workers'],
    ['-d', '--duration'],
    ['-n', '--iterations'],
    ['-r', '--rate'],
    [undefined, '--proxy-file'],
    ['-H', '--header'],
    ['-m', '--method'],
    [undefined, '--body'],
    [undefined, '--script'],
    [undefined, '--timeout'],
    [undefined, '--retries'],
    [undefined, '--insecure'],
    [undefined, '--log-level'],
    [undefined, '--json'],
    [undefined, '--out'],
    [undefined, '--metrics-port'],
    [undefined, '--demo'],
  ] as const;

  it('engine run --help lists every flag (with its short form) and examples', async ({ expect }) => {
    const result = await runEngine(['run', '--help'], { timeoutMs: 15_000 });
    expect(result.code).toBe(0);
    const help = result.stdout;
    for (const [short, long] of flags) {
      // "--insecure" is shown as "--[no-]insecure".
      const name = long === '--insecure' ? '--[no-]insecure' : long;
      const pattern = short ? `${short}, ${name}` : name;
      expect(help, `help lists ${pattern}`).toContain(pattern);
    }
    expect(help).toMatch(/EXAMPLES/);
    expect(help).toContain('engine run --demo');
  });

  it('engine --version prints the CLI version', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await runEngine(['--version'], { timeoutMs: 15_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`@session-engine/cli/${version}`);
  });

  it('engine --help names every command, in its first line and in its lists', async ({ expect }) => {
    const result = await runEngine(['--help'], { timeoutMs: 15_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('The session-engine command line: engine run, engine report, engine k8s job.');
    expect(result.stdout).toMatch(/^ {2}k8s\s+Kubernetes manifests/m);
    expect(result.stdout).toMatch(/^ {2}report\s+Render a saved JSON report/m);
    expect(result.stdout).toMatch(/^ {2}run\s+Run isolated HTTP sessions/m);
  });
});
