import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  ConfigParseError,
  ConfigValidationError,
  defaultConfig,
  loadConfig,
  type ConfigIssue,
  type LoadConfigOptions,
} from './index.js';

const seedExample = fileURLToPath(new URL('../test/fixtures/seed-example.json', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'se-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(text: string, name = 'config.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function issuesOf(options: LoadConfigOptions): Promise<ConfigIssue[]> {
  const error = await loadConfig(options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof ConfigValidationError) return [...error.issues];
  throw new Error(`expected a validation error, got ${String(error)}`);
}

describe('loadConfig', () => {
  it('returns the defaults with no sources', async () => {
    expect(await loadConfig({ env: {} })).toEqual(defaultConfig());
  });

  it('loads the seed example file unchanged', async () => {
    const config = await loadConfig({ file: seedExample, env: {} });
    expect(config).toMatchObject({
      number_of_sessions: 200,
      request_timeout: 30_000,
      max_retries: 3,
      target_url: 'https://example.com',
      proxy_file: '/etc/gosessionengine/proxies.txt',
      max_idle_conns: 200,
      max_idle_conns_per_host: 50,
      max_conns_per_host: 100,
      workers: 200,
      idle_conn_timeout: 90_000,
    });
  });

  it('accepts string durations in a file', async () => {
    const path = await file('{"request_timeout": "1.5s", "duration": "1m30s", "stages": [{"duration": "250ms", "target": 3}]}');
    const config = await loadConfig({ file: path, env: {} });
    expect([config.request_timeout, config.duration, config.stages[0]?.duration]).toEqual([1_500, 90_000, 250]);
  });

  it('returns a deeply frozen result', async () => {
    const path = await file('{"headers": {"x-a": "1"}, "stages": [{"duration": "1s", "target": 1}]}');
    const config = await loadConfig({ file: path, env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.headers)).toBe(true);
    expect(Object.isFrozen(config.stages[0])).toBe(true);
  });

  describe('file problems', () => {
    it('reports an unknown key with its line:column and a suggestion', async () => {
      const path = await file('{\n  "number_of_session": 100\n}');
      expect(await issuesOf({ file: path, env: {} })).toEqual([
        {
          path: 'number_of_session',
          code: 'unknown_key',
          message: 'unknown key "number_of_session" at number_of_session; did you mean "number_of_sessions"?',
          file: path,
          line: 2,
          column: 3,
        },
      ]);
    });

    it('reports several problems at once, nested ones included, in file order', async () => {
      const path = await file(
        [
          '{',
          '  "number_of_sessions": 0,',
          '  "stages": [',
          '    {"duration": "10s", "target": 5},',
          '    {"duration": "ten", "target": 5, "tagret": 1}',
          '  ],',
          '  "target_url": "example.com",',
          '  "scenario": [',
          '    {"path": "/a", "body": "x", "json": {}}',
          '  ]',
          '}',
        ].join('\n'),
      );
      const issues = await issuesOf({ file: path, env: {} });
      expect(issues.map(({ path: at, line, column, code }) => ({ at, line, column, code }))).toEqual([
        { at: 'number_of_sessions', line: 2, column: 3, code: 'too_small' },
        { at: 'stages[1].duration', line: 5, column: 6, code: 'invalid_duration' },
        { at: 'stages[1].tagret', line: 5, column: 38, code: 'unknown_key' },
        { at: 'target_url', line: 7, column: 3, code: 'invalid_url' },
        { at: 'scenario[0].json', line: 9, column: 33, code: 'conflicting_keys' },
      ]);
      expect(issues.every((issue) => issue.file === path)).toBe(true);
    });

    it('points a missing nested key at its parent object', async () => {
      const path = await file('{\n  "stages": [\n    {"duration": "1s"}\n  ]\n}');
      expect(await issuesOf({ file: path, env: {} })).toMatchObject([{ path: 'stages[0].target', line: 3, column: 5 }]);
    });

    it('shows file:line:column in the error message', async () => {
      const path = await file('{\n  "max_retries": -1\n}');
      await expect(loadConfig({ file: path, env: {} })).rejects.toThrow(`${path}:2:3 max_retries: must be a whole number ≥ 0`);
    });

    it('reports invalid JSON with file, line, column and what was expected', async () => {
      const path = await file('{\n  "number_of_sessions": 100,\n}');
      const error = await loadConfig({ file: path, env: {} }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigParseError);
      expect(error).toMatchObject({ code: 'SE_ERR_CONFIG_PARSE', file: path, line: 3, column: 1, expected: 'a property name in double quotes' });
      expect((error as Error).message).toBe(`${path}:3:1: invalid JSON: trailing comma before "}"; expected a property name in double quotes`);
    });

    it('rejects a file that is not a JSON object', async () => {
      const path = await file('\n[1, 2]');
      expect(await issuesOf({ file: path, env: {} })).toMatchObject([{ path: '', code: 'invalid_type', file: path, line: 2, column: 1 }]);
    });

    it('reports a missing file with its path', async () => {
      const path = join(dir, 'nope.json');
      const error = await loadConfig({ file: path, env: {} }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigFileError);
      expect(error).toMatchObject({ code: 'SE_ERR_CONFIG_FILE', path });
      expect((error as Error).message).toContain(`config file not found: ${path}`);
      expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
    });

    it('reports a directory given as the file', async () => {
      const error = await loadConfig({ file: dir, env: {} }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigFileError);
      expect((error as Error).message).toContain('is a directory');
    });
  });

  describe('layering: defaults < file < env < overrides', () => {
    it('lets the environment override the file, and overrides override both', async () => {
      const path = await file('{"number_of_sessions": 10, "max_retries": 1, "log_level": "warn"}');
      const config = await loadConfig({
        file: path,
        env: { SESSION_ENGINE_NUMBER_OF_SESSIONS: '20', SESSION_ENGINE_MAX_RETRIES: '2' },
        overrides: { number_of_sessions: 30, log_level: undefined },
      });
      expect([config.number_of_sessions, config.max_retries, config.log_level]).toEqual([30, 2, 'warn']);
    });

    it('reads env durations as unit strings or nanoseconds, and other types by key', async () => {
      const config = await loadConfig({
        env: {
          SESSION_ENGINE_REQUEST_TIMEOUT: '5s',
          SESSION_ENGINE_IDLE_CONN_TIMEOUT: '2000000000',
          SESSION_ENGINE_INSECURE_TLS: 'true',
          SESSION_ENGINE_RATE: '2.5',
          SESSION_ENGINE_TARGET_URL: 'http://127.0.0.1:8080',
          SESSION_ENGINE_HEADERS: '{"x-a":"1"}',
          SESSION_ENGINE_STAGES: '[{"duration":"1s","target":2}]',
          SESSION_ENGINE_LOG_LEVEL: 'debug',
          UNRELATED: 'ignored',
        },
      });
      expect(config).toMatchObject({
        request_timeout: 5_000,
        idle_conn_timeout: 2_000,
        insecure_tls: true,
        rate: 2.5,
        target_url: 'http://127.0.0.1:8080',
        headers: { 'x-a': '1' },
        stages: [{ duration: 1_000, target: 2 }],
        log_level: 'debug',
      });
    });

    it('accepts override durations in file units', async () => {
      const config = await loadConfig({ env: {}, overrides: { request_timeout: '2s', duration: 3_000_000_000 } });
      expect([config.request_timeout, config.duration]).toEqual([2_000, 3_000]);
    });

    it('merges headers by name across layers, the higher layer winning', async () => {
      const path = await file('{"headers": {"Authorization": "Bearer f", "X-From-File": "1"}}');
      const config = await loadConfig({
        file: path,
        env: { SESSION_ENGINE_HEADERS: '{"authorization": "Bearer e"}' },
        overrides: { headers: { 'x-flag': '1' } },
      });
      expect(config.headers).toEqual({ authorization: 'Bearer e', 'x-from-file': '1', 'x-flag': '1' });
    });

    it('defaults workers to number_of_sessions from whichever layer set it', async () => {
      const path = await file('{"number_of_sessions": 12}');
      expect((await loadConfig({ file: path, env: {} })).workers).toBe(12);
      expect((await loadConfig({ env: { SESSION_ENGINE_NUMBER_OF_SESSIONS: '34' } })).workers).toBe(34);
      expect((await loadConfig({ file: path, env: {}, overrides: { number_of_sessions: 56 } })).workers).toBe(56);
      expect((await loadConfig({ file: path, env: { SESSION_ENGINE_WORKERS: '3' } })).workers).toBe(3);
    });

    it('reads SESSION_ENGINE_THREADS as a number or "auto"; "auto" elsewhere says what the key expects', async () => {
      expect((await loadConfig({ env: { SESSION_ENGINE_THREADS: '2' } })).threads).toBe(2);
      expect((await loadConfig({ env: { SESSION_ENGINE_THREADS: 'auto' } })).threads).toBe(availableParallelism());
      await expect(loadConfig({ env: { SESSION_ENGINE_WORKERS: 'auto' } })).rejects.toThrow(/SESSION_ENGINE_WORKERS.*whole number/);
    });

    it('reads process.env when no env is given', async () => {
      const name = 'SESSION_ENGINE_MAX_RETRIES';
      const before = process.env[name];
      process.env[name] = '7';
      try {
        expect((await loadConfig()).max_retries).toBe(7);
      } finally {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      }
    });
  });

  describe('environment problems', () => {
    it('names the variable of a bad value', async () => {
      const issues = await issuesOf({
        env: {
          SESSION_ENGINE_NUMBER_OF_SESSIONS: 'many',
          SESSION_ENGINE_MAX_RETRIES: '-1',
          SESSION_ENGINE_INSECURE_TLS: 'maybe',
          SESSION_ENGINE_REQUEST_TIMEOUT: '30',
        },
      });
      expect(issues.map(({ path, env, code }) => ({ path, env, code }))).toEqual([
        { path: 'number_of_sessions', env: 'SESSION_ENGINE_NUMBER_OF_SESSIONS', code: 'invalid_type' },
        { path: 'insecure_tls', env: 'SESSION_ENGINE_INSECURE_TLS', code: 'invalid_type' },
        { path: 'request_timeout', env: 'SESSION_ENGINE_REQUEST_TIMEOUT', code: 'invalid_duration' },
        { path: 'max_retries', env: 'SESSION_ENGINE_MAX_RETRIES', code: 'too_small' },
      ]);
      expect(issues[0]?.message).toBe('SESSION_ENGINE_NUMBER_OF_SESSIONS="many" is not a number; set a number, e.g. SESSION_ENGINE_NUMBER_OF_SESSIONS=100');
    });

    it('shows the variable in the error message', async () => {
      await expect(loadConfig({ env: { SESSION_ENGINE_LOG_LEVEL: 'loud' } })).rejects.toThrow(
        '$SESSION_ENGINE_LOG_LEVEL log_level: must be one of "debug", "info", "warn", "error"; got "loud"',
      );
    });

    it('reports invalid JSON in a variable with its column', async () => {
      const [issue] = await issuesOf({ env: { SESSION_ENGINE_HEADERS: '{"x-a": 1,}' } });
      expect(issue).toMatchObject({ path: 'headers', env: 'SESSION_ENGINE_HEADERS', code: 'invalid_json' });
      expect(issue?.message).toMatch(/^SESSION_ENGINE_HEADERS:1:11: invalid JSON: trailing comma/);
    });

    it('attributes a nested problem to the variable that carried it', async () => {
      const [issue] = await issuesOf({ env: { SESSION_ENGINE_STAGES: '[{"duration": "1s", "target": 1, "x": 1}]' } });
      expect(issue).toMatchObject({ path: 'stages[0].x', code: 'unknown_key', env: 'SESSION_ENGINE_STAGES' });
    });

    it('reports an unknown SESSION_ENGINE_ variable with a suggestion', async () => {
      expect(await issuesOf({ env: { SESSION_ENGINE_NUMBER_OF_SESSION: '5', SESSION_ENGINE_COLOUR: 'red' } })).toEqual([
        {
          path: 'number_of_session',
          code: 'unknown_key',
          env: 'SESSION_ENGINE_NUMBER_OF_SESSION',
          message: 'unknown variable SESSION_ENGINE_NUMBER_OF_SESSION; did you mean SESSION_ENGINE_NUMBER_OF_SESSIONS?',
        },
        {
          path: 'colour',
          code: 'unknown_key',
          env: 'SESSION_ENGINE_COLOUR',
          message: 'unknown variable SESSION_ENGINE_COLOUR; remove it (no config key matches)',
        },
      ]);
    });

    it('attributes a bad value to the layer that supplied it', async () => {
      const path = await file('{\n  "max_retries": -1,\n  "number_of_sessions": -1,\n  "headers": {"bad name": "1"}\n}');
      const issues = await issuesOf({
        file: path,
        env: { SESSION_ENGINE_MAX_RETRIES: '2', SESSION_ENGINE_HEADERS: '{"x-ok": "1", "x-bad": "a\\nb"}' },
        overrides: { number_of_sessions: 0 },
      });
      expect(issues.map(({ path: at, file: from, line, env }) => ({ at, from, line, env }))).toEqual([
        { at: 'headers["bad name"]', from: path, line: 4, env: undefined },
        { at: 'headers["x-bad"]', from: undefined, line: undefined, env: 'SESSION_ENGINE_HEADERS' },
        { at: 'number_of_sessions', from: undefined, line: undefined, env: undefined },
      ]);
    });

    it('reports file, env and override problems together', async () => {
      const path = await file('{"colour": 1}');
      const issues = await issuesOf({ file: path, env: { SESSION_ENGINE_RATE: 'x' }, overrides: { iterations: -1 } });
      expect(issues.map((issue) => issue.path)).toEqual(['colour', 'rate', 'iterations']);
    });
  });
});
