import { availableParallelism } from 'node:os';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  ConfigValidationError,
  defaultConfig,
  engineConfigSchema,
  parseConfig,
  redactConfig,
  type ConfigInput,
  type ConfigIssue,
  type EngineConfig,
} from './index.js';

function issuesOf(input: unknown): ConfigIssue[] {
  try {
    parseConfig(input, { source: 'input.json' });
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a validation error');
}

const byPath = (issues: ConfigIssue[], path: string) => issues.filter((issue) => issue.path === path);

describe('defaultConfig', () => {
  it('has the seed defaults and the documented additions, durations in ms', () => {
    expect(defaultConfig()).toEqual({
      number_of_sessions: 500,
      request_timeout: 30_000,
      max_retries: 3,
      max_redirects: 10,
      target_url: '',
      proxy_file: '',
      proxy_max_failures: 3,
      proxy_cooldown: 30_000,
      proxy_max_cooldown: 300_000,
      proxy_check_url: '',
      proxy_check_interval: 10_000,
      proxy_from_env: false,
      max_idle_conns: 500,
      max_idle_conns_per_host: 100,
      max_conns_per_host: 200,
      workers: 500,
      threads: 1,
      thread_young_generation_mb: 0,
      duration: 0,
      iterations: 0,
      graceful_stop: 30_000,
      warmup: 0,
      rate: 0,
      stages: [],
      headers: {},
      idle_conn_timeout: 90_000,
      tls_handshake_timeout: 10_000,
      insecure_tls: false,
      preconnect: true,
      log_level: 'info',
      metrics_interval: 10_000,
      timeline_interval: 1_000,
      method: 'GET',
      body: '',
      scenario: [],
      script: '',
      thresholds: [],
      session_state: '',
      session_state_interval: 30_000,
      session_state_ttl: 0,
      session_state_name: 'default',
      session_state_reset: false,
      control_port: undefined,
      control_host: '127.0.0.1',
      shard: '',
      run_id: '',
      start_at: '',
      max_start_lag: undefined,
    } satisfies EngineConfig);
  });

  it('is deeply frozen and a fresh object each time', () => {
    const config = defaultConfig();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.headers)).toBe(true);
    expect(Object.isFrozen(config.stages)).toBe(true);
    expect(defaultConfig()).not.toBe(config);
  });
});

describe('parseConfig', () => {
  it('types the schema output as EngineConfig', () => {
    expectTypeOf<z.output<typeof engineConfigSchema>>().toEqualTypeOf<EngineConfig>();
    expectTypeOf<ConfigInput['request_timeout']>().toEqualTypeOf<string | number | undefined>();
  });

  it('applies defaults to missing keys and converts durations to ms', () => {
    const config = parseConfig({ number_of_sessions: 10, request_timeout: '5s', duration: 60_000_000_000, stages: [{ duration: '1m30s', target: 5 }] });
    expect(config.number_of_sessions).toBe(10);
    expect(config.request_timeout).toBe(5_000);
    expect(config.duration).toBe(60_000);
    expect(config.stages).toEqual([{ duration: 90_000, target: 5 }]);
    expect(config.max_retries).toBe(3);
  });

  it('takes threads as a whole number >= 1 or "auto" (one per core)', () => {
    expect(parseConfig({ threads: 3 }).threads).toBe(3);
    expect(parseConfig({ threads: 'auto' }).threads).toBe(availableParallelism());
    for (const threads of [0, 1.5, 'four', '2', null]) {
      expect(() => parseConfig({ threads })).toThrow(/threads: must be a whole number ≥ 1 or "auto"/);
    }
  });

  it('defaults workers to number_of_sessions, and keeps an explicit value', () => {
    expect(parseConfig({ number_of_sessions: 42 }).workers).toBe(42);
    expect(parseConfig({ number_of_sessions: 42, workers: 7 }).workers).toBe(7);
  });

  it('deep-freezes the result, down to scenario JSON bodies', () => {
    const config = parseConfig({
      target_url: 'http://127.0.0.1:8080',
      headers: { 'x-a': '1' },
      scenario: [{ path: '/', json: { nested: { list: [1] } } }],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.headers)).toBe(true);
    const step = config.scenario[0];
    expect(Object.isFrozen(step)).toBe(true);
    const json = step?.json as { nested: { list: number[] } };
    expect(Object.isFrozen(json.nested.list)).toBe(true);
    expect(() => {
      (config as EngineConfig).number_of_sessions = 1;
    }).toThrow(TypeError);
  });

  it('takes max_redirects as a whole number >= 0 (0 = the redirect is the response)', () => {
    expect(parseConfig({}).max_redirects).toBe(10);
    expect(parseConfig({ max_redirects: 0 }).max_redirects).toBe(0);
    for (const bad of [-1, 2.5, '3']) {
      expect(byPath(issuesOf({ max_redirects: bad }), 'max_redirects')[0]?.message).toMatch(/whole number ≥ 0, e\.g\. 10; got/);
    }
  });

  it('lowercases header names (a later spelling wins) and method names', () => {
    const config = parseConfig({ headers: { 'X-Api-Key': 'a', 'x-api-key': 'b' }, method: 'post' });
    expect(config.headers).toEqual({ 'x-api-key': 'b' });
    expect(config.method).toBe('POST');
  });

  it('rejects an unknown top-level key with the closest valid one', () => {
    const [issue, ...rest] = issuesOf({ number_of_session: 5 });
    expect(rest).toEqual([]);
    expect(issue).toEqual({
      path: 'number_of_session',
      code: 'unknown_key',
      message: 'unknown key "number_of_session" at number_of_session; did you mean "number_of_sessions"?',
      file: 'input.json',
    });
  });

  it('rejects unknown keys in nested objects too, with a suggestion', () => {
    const issues = issuesOf({
      target_url: 'https://example.com',
      stages: [{ duration: '1s', target: 1, traget: 2 }],
      scenario: [{ path: '/', heders: {}, capture: { token: { jsn: '$.a' } } }],
    });
    expect(issues.filter((issue) => issue.code === 'unknown_key').map((issue) => issue.message)).toEqual([
      'unknown key "traget" at stages[0].traget; did you mean "target"?',
      'unknown key "jsn" at scenario[0].capture.token.jsn; did you mean "json"?',
      'unknown key "heders" at scenario[0].heders; did you mean "headers"?',
    ]);
  });

  it('lists the valid keys of a small object when nothing is close', () => {
    const [issue] = byPath(issuesOf({ stages: [{ duration: '1s', target: 1, colour: 'red' }] }), 'stages[0].colour');
    expect(issue?.message).toBe('unknown key "colour" at stages[0].colour; remove it (valid keys: duration, target)');
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf({
      number_of_sessions: 0,
      max_retries: -1,
      request_timeout: 'soon',
      target_url: 'example.com',
      log_level: 'verbose',
      stages: [{ duration: '10s', target: 5 }, { duration: 'x', target: -1 }],
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['log_level', 'max_retries', 'number_of_sessions', 'request_timeout', 'stages[1].duration', 'stages[1].target', 'target_url'].sort(),
    );
    expect(issues.every((issue) => issue.file === 'input.json' && issue.line === undefined)).toBe(true);
    expect(byPath(issues, 'number_of_sessions')[0]?.message).toMatch(/whole number ≥ 1, e\.g\. 500; got 0/);
    expect(byPath(issues, 'target_url')[0]).toMatchObject({ code: 'invalid_url', message: expect.stringMatching(/not an absolute URL/) });
  });

  it('renders a readable multi-line message', () => {
    try {
      parseConfig({ number_of_sessions: 'many', rate: -1 }, { source: 'flags' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(
        [
          'invalid configuration (2 problems):',
          '  - flags number_of_sessions: must be a whole number ≥ 1, e.g. 500; got "many"',
          '  - flags rate: must be a number ≥ 0, e.g. 50; got -1 (number)',
        ].join('\n'),
      );
    }
  });

  it('rejects a non-object config', () => {
    expect(issuesOf([1, 2])).toEqual([
      { path: '', code: 'invalid_type', message: 'the configuration must be a JSON object ({ ... }); got an array', file: 'input.json' },
    ]);
  });

  describe('durations', () => {
    it('rejects a small number that was surely meant as ms or s, not ns', () => {
      const [issue] = issuesOf({ request_timeout: 5000 });
      expect(issue).toMatchObject({ path: 'request_timeout', code: 'invalid_duration' });
      expect(issue?.message).toMatch(/read as nanoseconds \(5us\).*"5000ms"/);
      expect(issuesOf({ metrics_interval: 10 })[0]?.message).toMatch(/"10s"/);
    });

    it('allows 0 where 0 means "off" and rejects it for timeouts', () => {
      expect(parseConfig({ duration: 0 }).duration).toBe(0);
      expect(issuesOf({ request_timeout: '0s' })[0]).toMatchObject({ path: 'request_timeout', code: 'too_small' });
      expect(issuesOf({ stages: [{ duration: 0, target: 1 }] })[0]).toMatchObject({ path: 'stages[0].duration', code: 'too_small' });
    });

    it('rejects durations longer than a Node.js timer can wait', () => {
      expect(parseConfig({ request_timeout: '596h31m23.647s' }).request_timeout).toBe(2 ** 31 - 1);
      expect(issuesOf({ request_timeout: '600h' })[0]).toMatchObject({ path: 'request_timeout', code: 'too_big' });
    });

    it('rejects values that are neither numbers nor strings', () => {
      expect(issuesOf({ idle_conn_timeout: true })[0]?.message).toMatch(/must be a duration, e\.g\. "90s"/);
    });

    it('takes graceful_stop as a duration, 0 meaning abort at once', () => {
      expect(parseConfig({}).graceful_stop).toBe(30_000);
      expect(parseConfig({ graceful_stop: '5s' }).graceful_stop).toBe(5_000);
      expect(parseConfig({ graceful_stop: 0 }).graceful_stop).toBe(0);
      expect(parseConfig({ graceful_stop: '0s' }).graceful_stop).toBe(0);
      expect(issuesOf({ graceful_stop: '-1s' })[0]).toMatchObject({ path: 'graceful_stop', code: 'invalid_duration' });
      expect(issuesOf({ graceful_stop: '30' })[0]).toMatchObject({ path: 'graceful_stop', code: 'invalid_duration' });
    });

    it('takes timeline_interval as a duration of at least 100ms', () => {
      expect(parseConfig({}).timeline_interval).toBe(1_000);
      expect(parseConfig({ timeline_interval: '100ms' }).timeline_interval).toBe(100);
      expect(parseConfig({ timeline_interval: '5s' }).timeline_interval).toBe(5_000);
      expect(issuesOf({ timeline_interval: '99ms' })).toEqual([
        { path: 'timeline_interval', code: 'too_small', message: 'must be at least 100ms; got 99ms', file: 'input.json' },
      ]);
      expect(issuesOf({ timeline_interval: 0 })[0]).toMatchObject({ path: 'timeline_interval', code: 'too_small' });
    });
  });

  describe('ranges and formats', () => {
    it.each([
      [{ number_of_sessions: 1.5 }, 'number_of_sessions'],
      [{ workers: 0 }, 'workers'],
      [{ max_idle_conns: 0 }, 'max_idle_conns'],
      [{ max_conns_per_host: '10' }, 'max_conns_per_host'],
      [{ iterations: -1 }, 'iterations'],
      [{ rate: -0.5 }, 'rate'],
      [{ insecure_tls: 'true' }, 'insecure_tls'],
      [{ target_url: 'ftp://example.com' }, 'target_url'],
      [{ method: 'GET /' }, 'method'],
      [{ headers: { 'x-a': 'line\r\nbreak' } }, 'headers["x-a"]'],
      [{ headers: { 'bad name': 'v' } }, 'headers["bad name"]'],
      [{ headers: ['x'] }, 'headers'],
      [{ stages: {} }, 'stages'],
      [{ stages: [{ duration: '1s' }] }, 'stages[0].target'],
      [{ proxy_file: 3 }, 'proxy_file'],
    ])('rejects %j at %s', (input, path) => {
      expect(issuesOf(input).map((issue) => issue.path)).toContain(path);
    });

    it('accepts http and https target URLs, and fractional rates', () => {
      expect(parseConfig({ target_url: 'http://127.0.0.1:3000/api' }).target_url).toBe('http://127.0.0.1:3000/api');
      expect(parseConfig({ target_url: 'https://example.com' }).target_url).toBe('https://example.com');
      expect(parseConfig({ rate: 0.5 }).rate).toBe(0.5);
    });

    it('never echoes URL credentials in messages', () => {
      const [issue] = issuesOf({ target_url: 'ftp://user:secret@example.com' });
      expect(issue?.message).not.toMatch(/secret/);
      const [bad] = issuesOf({ target_url: 'https://user:secret@' });
      expect(bad?.message).toMatch(/\*\*\*:\*\*\*@/);
      expect(bad?.message).not.toMatch(/secret/);
    });
  });

  describe('scenario', () => {
    const base = { target_url: 'https://example.com' };

    it('accepts a full scenario and fills step defaults', () => {
      const config = parseConfig({
        ...base,
        scenario: [
          { name: 'login', method: 'post', path: '/login', json: { user: 'a' }, expect_status: [200, 302], capture: { token: { json: '$.data.token' }, rid: { header: 'X-Request-Id' } } },
          { url: 'https://other.example.com/items?x=1', headers: { Authorization: 'Bearer {{token}}' }, expect_status: 200, capture: { first: { json: '$.items[0].id' } } },
          { path: '/raw', method: 'PUT', body: 'a=b' },
        ],
      });
      expect(config.scenario).toEqual([
        { name: 'login', method: 'POST', path: '/login', json: { user: 'a' }, expect_status: [200, 302], capture: { token: { json: '$.data.token' }, rid: { header: 'x-request-id' } } },
        { method: 'GET', url: 'https://other.example.com/items?x=1', headers: { authorization: 'Bearer {{token}}' }, expect_status: 200, capture: { first: { json: '$.items[0].id' } } },
        { method: 'PUT', path: '/raw', body: 'a=b' },
      ]);
    });

    it('needs exactly one of path and url', () => {
      expect(issuesOf({ ...base, scenario: [{ path: '/', url: 'https://example.com/' }] })).toMatchObject([
        { path: 'scenario[0].url', code: 'conflicting_keys' },
      ]);
      expect(issuesOf({ ...base, scenario: [{ method: 'GET' }] })).toMatchObject([
        { path: 'scenario[0]', code: 'missing_key', message: expect.stringMatching(/needs a "path".*or a "url"/) },
      ]);
    });

    it('accepts "once" for first-iteration-only steps and rejects non-booleans', () => {
      const config = parseConfig({ ...base, scenario: [{ path: '/login', method: 'POST', once: true }, { path: '/' }] });
      expect(config.scenario[0]?.once).toBe(true);
      expect(config.scenario[1]?.once).toBeUndefined();
      expect(issuesOf({ ...base, scenario: [{ path: '/', once: 'yes' }] })).toMatchObject([{ path: 'scenario[0].once' }]);
    });

    it('allows body or json, not both', () => {
      expect(issuesOf({ ...base, scenario: [{ path: '/', body: 'x', json: { a: 1 } }] })).toMatchObject([
        { path: 'scenario[0].json', code: 'conflicting_keys' },
      ]);
    });

    it('checks both capture forms and rejects anything else', () => {
      const issues = issuesOf({
        ...base,
        scenario: [
          {
            path: '/',
            capture: {
              both: { json: '$.a', header: 'x' },
              none: {},
              badPath: { json: '$.data..token' },
              badHeader: { header: 'not a header' },
              '1st': { json: '$.a' },
              scalar: '$.a',
            },
          },
        ],
      });
      expect(issues.map((issue) => [issue.path, issue.code])).toEqual(
        expect.arrayContaining([
          ['scenario[0].capture.both.header', 'conflicting_keys'],
          ['scenario[0].capture.none', 'missing_key'],
          ['scenario[0].capture.badPath.json', 'invalid_format'],
          ['scenario[0].capture.badHeader.header', 'invalid_format'],
          ['scenario[0].capture["1st"]', 'invalid_key'],
          ['scenario[0].capture.scalar', 'invalid_type'],
        ]),
      );
      expect(issues).toHaveLength(6);
    });

    it('checks expect_status codes', () => {
      expect(issuesOf({ ...base, scenario: [{ path: '/', expect_status: [200, 999] }] })).toMatchObject([
        { path: 'scenario[0].expect_status[1]' },
      ]);
      expect(issuesOf({ ...base, scenario: [{ path: '/', expect_status: '200' }] })).toMatchObject([
        { path: 'scenario[0].expect_status', message: expect.stringMatching(/e\.g\. 200 or \[200, 302\]/) },
      ]);
      expect(issuesOf({ ...base, scenario: [{ path: '/', expect_status: [] }] })).toMatchObject([
        { path: 'scenario[0].expect_status' },
      ]);
    });

    it('requires paths to start with "/" and json to be JSON', () => {
      expect(issuesOf({ ...base, scenario: [{ path: 'login' }] })).toMatchObject([{ path: 'scenario[0].path' }]);
      expect(issuesOf({ ...base, scenario: [{ path: '/', json: { when: new Date(0) } }] })).toMatchObject([{ path: 'scenario[0].json' }]);
    });

    it('needs target_url for relative paths', () => {
      expect(issuesOf({ scenario: [{ path: '/a' }, { url: 'https://example.com/b' }] })).toEqual([
        expect.objectContaining({ path: 'scenario[0].path', code: 'missing_key', message: expect.stringMatching(/needs target_url/) }),
      ]);
    });

    it('refuses script and scenario together', () => {
      expect(issuesOf({ ...base, script: './job.js', scenario: [{ path: '/' }] })).toMatchObject([
        { path: 'script', code: 'conflicting_keys' },
      ]);
      expect(parseConfig({ script: './job.js' }).script).toBe('./job.js');
    });

    it('reports cross-field problems together with type errors elsewhere', () => {
      // zod skips refinements after a type error unless told otherwise: all must still show.
      const issues = issuesOf({
        number_of_sessions: 'many',
        scenario: [{ path: '/a', url: 'https://x.test/', body: 'b', json: 1, expect_status: 'ok', capture: { v: { json: 1, header: 'x' } } }],
      });
      expect(issues.map((issue) => issue.path).sort()).toEqual([
        'number_of_sessions',
        'scenario[0].capture.v.header',
        'scenario[0].capture.v.json',
        'scenario[0].expect_status',
        'scenario[0].json',
        'scenario[0].path',
        'scenario[0].url',
      ]);
    });
  });
});

describe('session state keys', () => {
  it('takes a file path or a redis:// URL, an interval, a TTL for Redis, a name and reset', () => {
    expect(parseConfig({ session_state: 'state.json' }).session_state).toBe('state.json');
    const redis = parseConfig({ session_state: 'rediss://:pw@cache:6380/2', session_state_ttl: '24h', session_state_name: 'shop-1', session_state_reset: true, session_state_interval: 0 });
    expect(redis).toMatchObject({ session_state_ttl: 86_400_000, session_state_name: 'shop-1', session_state_reset: true, session_state_interval: 0 });
    expect(redactConfig(redis).session_state).toBe('rediss://***:***@cache:6380/2');
  });

  it('says what is wrong with a bad location, name or a TTL without Redis', () => {
    expect(issuesOf({ session_state: 'http://cache:6379' })[0]).toMatchObject({ path: 'session_state', message: expect.stringContaining('must be a file path or a redis:// (rediss://) URL, not "http://"') });
    expect(issuesOf({ session_state_name: 'a b' })[0]).toMatchObject({ path: 'session_state_name', message: expect.stringContaining('letters, digits') });
    expect(issuesOf({ session_state: 'state.json', session_state_ttl: '1h' })[0]).toMatchObject({ path: 'session_state_ttl', message: expect.stringContaining('applies to Redis only') });
    expect(issuesOf({ session_state_ttl: '1h' })[0]).toMatchObject({ path: 'session_state_ttl', message: 'needs session_state (a redis:// URL)' });
  });
});

describe('proxy health keys', () => {
  it('takes the failures that open a circuit, the cool-down and its cap', () => {
    expect(parseConfig({ proxy_max_failures: 5, proxy_cooldown: '10s', proxy_max_cooldown: '2m' })).toMatchObject({
      proxy_max_failures: 5,
      proxy_cooldown: 10_000,
      proxy_max_cooldown: 120_000,
    });
    expect(issuesOf({ proxy_max_failures: 0 })[0]).toMatchObject({ path: 'proxy_max_failures', message: expect.stringContaining('whole number ≥ 1') });
    expect(parseConfig({ proxy_check_url: 'http://127.0.0.1:8080/health', proxy_check_interval: '2s' })).toMatchObject({ proxy_check_url: 'http://127.0.0.1:8080/health', proxy_check_interval: 2_000 });
    expect(issuesOf({ proxy_check_url: 'ftp://x' })[0]).toMatchObject({ path: 'proxy_check_url' });
    expect(issuesOf({ proxy_check_interval: '10ms' })[0]).toMatchObject({ path: 'proxy_check_interval' });
    expect(parseConfig({ proxy_from_env: true }).proxy_from_env).toBe(true);
    expect(issuesOf({ proxy_from_env: true, proxy_file: 'p.txt' })[0]).toMatchObject({ path: 'proxy_from_env', message: expect.stringContaining('not both') });
  });
});

describe('shard keys', () => {
  it('take a shard, a run id, a start time and a lag, and say what is wrong with each', () => {
    const config = parseConfig({ shard: 'auto/3', run_id: 'nightly-42', start_at: '2026-11-28T12:00:00+01:00', max_start_lag: '5s' });
    expect([config.shard, config.run_id, config.start_at, config.max_start_lag]).toEqual(['auto/3', 'nightly-42', '2026-11-28T12:00:00+01:00', 5_000]);
    expect(() => parseConfig({ shard: '3/3' })).toThrow(/shard: must be "<index>\/<count>" with 0 <= index < count/);
    expect(() => parseConfig({ shard: '0/2', run_id: 'no spaces' })).toThrow(/run_id: must be 1-100 letters/);
    expect(() => parseConfig({ shard: '0/2', start_at: '2026-11-28 12:00' })).toThrow(/start_at: must be an ISO 8601 time with a time zone/);
    expect(() => parseConfig({ run_id: 'r1' })).toThrow(/run_id: goes with shard/);
    expect(() => parseConfig({ shard: '0/2', max_start_lag: '5s' })).toThrow(/max_start_lag: is measured from start_at/);
  });
});
