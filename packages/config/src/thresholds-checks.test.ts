/** The `thresholds` key and a scenario step's `checks`: what loads, and what each mistake says. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig, parseConfig, type ConfigIssue } from './index.js';

function issuesOf(run: () => unknown): ConfigIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

const scenario = [
  { name: 'login', method: 'POST', path: '/login' },
  { method: 'get', path: '/api/me' },
];

describe('thresholds', () => {
  it('takes strings and objects; a trailing "!" sets abort_on_fail; delays are milliseconds', () => {
    const config = parseConfig({
      target_url: 'http://127.0.0.1:1',
      scenario,
      thresholds: [
        ' p(95)<300ms ',
        'error_rate<1%!',
        { threshold: 'p(99){step:login}<1s', abort_on_fail: true, delay: '10s' },
        { threshold: 'rps>=10' },
        'p(90){step:2. GET /api/me}<2s',
      ],
    });
    expect(config.thresholds).toEqual([
      { threshold: 'p(95)<300ms', abort_on_fail: false, delay: 0 },
      { threshold: 'error_rate<1%!', abort_on_fail: true, delay: 0 },
      { threshold: 'p(99){step:login}<1s', abort_on_fail: true, delay: 10_000 },
      { threshold: 'rps>=10', abort_on_fail: false, delay: 0 },
      { threshold: 'p(90){step:2. GET /api/me}<2s', abort_on_fail: false, delay: 0 },
    ]);
    expect(parseConfig({}).thresholds).toEqual([]);
  });

  it('a malformed expression is an issue at its path with the caret and the grammar', () => {
    const issues = issuesOf(() => parseConfig({ thresholds: ['p(95)<300ms', 'p(95)<<300ms', { threshold: 'avg<1h' }] }));
    expect(issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['thresholds[1]', 'invalid_threshold'],
      ['thresholds[2].threshold', 'invalid_threshold'],
    ]);
    expect(issues[0]!.message).toContain('invalid threshold "p(95)<<300ms" at position 7: expected a number after "<"');
    expect(issues[0]!.message).toContain('\n    p(95)<<300ms\n          ^');
    expect(issues[0]!.message).toContain('a threshold is <metric>[{step:<name>}] <op> <value>[!]');
    expect(issues[1]!.message).toContain('"h" is not a latency unit');
    expect(new ConfigValidationError(issues).message).toContain('  - thresholds[1]: invalid threshold');
  });

  it('rejects what is not a threshold: a number, unknown keys, a bad abort_on_fail or delay', () => {
    const issues = issuesOf(() =>
      parseConfig({ thresholds: [5, { threshold: 'rps>1', abort: true }, { threshold: 'rps>1', abort_on_fail: 'yes', delay: '10' }, { delay: '1s' }] }),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'thresholds[0]',
      'thresholds[1].abort',
      'thresholds[2].abort_on_fail',
      'thresholds[2].delay',
      'thresholds[3].threshold',
    ]);
    expect(issues[0]!.message).toMatch(/must be a threshold, e\.g\. "p\(95\)<300ms"/);
    expect(issues[1]!.message).toMatch(/the keys are "threshold", "abort_on_fail" and "delay"/);
    expect(issues[3]!.message).toMatch(/has no unit/);
  });

  it('a step that is not in the scenario, or a step with the default job, is an unknown_step issue naming the steps', () => {
    const issues = issuesOf(() => parseConfig({ target_url: 'http://127.0.0.1:1', scenario, thresholds: ['p(95){step:logout}<1s', { threshold: 'failed{step:log in}<1' }] }));
    expect(issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['thresholds[0]', 'unknown_step'],
      ['thresholds[1]', 'unknown_step'],
    ]);
    expect(issues[0]!.message).toBe('threshold "p(95){step:logout}<1s" names step "logout", which is not in the scenario; steps: "login", "2. GET /api/me"');
    const none = issuesOf(() => parseConfig({ target_url: 'http://127.0.0.1:1', thresholds: ['p(95){step:login}<1s'] }));
    expect(none[0]!.message).toMatch(/there are no steps: the default job sends one request/);
  });

  it('a script names its steps as it runs: step thresholds are not checked against the config', () => {
    expect(parseConfig({ script: './job.mjs', thresholds: ['p(95){step:anything}<1s'] }).thresholds).toHaveLength(1);
  });
});

describe('thresholds across layers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'se-thresholds-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('add up: file, then environment, then overrides (flags)', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ thresholds: ['p(95)<300ms'] }));
    const config = await loadConfig({ file, env: { SESSION_ENGINE_THRESHOLDS: '["rps>1"]' }, overrides: { thresholds: ['error_rate<1%'] } });
    expect(config.thresholds.map((t) => t.threshold)).toEqual(['p(95)<300ms', 'rps>1', 'error_rate<1%']);
  });

  it('an issue points at the entry in the layer it came from', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, '{\n  "thresholds": [\n    "p(95)<300ms",\n    "p(95)<<1"\n  ]\n}\n');
    const error = await loadConfig({ file, env: {}, overrides: { thresholds: ['avg<1', 'avg<<1'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues.map((issue) => [issue.path, issue.file, issue.line])).toEqual([
      ['thresholds[1]', file, 4],
      ['thresholds[3]', undefined, undefined],
    ]);
  });
});

describe('scenario step checks', () => {
  const step = (checks: unknown) => ({ target_url: 'http://127.0.0.1:1', scenario: [{ name: 'login', path: '/login', checks }] });

  it('takes each kind, with a default name and a status list', () => {
    const config = parseConfig(
      step([
        { status: 200 },
        { name: 'created', status: [200, 201] },
        { header: 'Content-Type', matches: '^application/json' },
        { header: 'x-id' },
        { body_contains: 'welcome' },
        { json: '$.user.id', equals: 42 },
        { name: 'null ok', json: '$.gone', equals: null },
        { json: '$.token', matches: '^[a-z0-9]+$' },
        { name: 'has user', json: '$.user' },
      ]),
    );
    expect(config.scenario[0]!.checks).toEqual([
      { name: 'status', status: [200] },
      { name: 'created', status: [200, 201] },
      { name: 'header content-type', header: 'content-type', matches: '^application/json' },
      { name: 'header x-id', header: 'x-id' },
      { name: 'body', body_contains: 'welcome' },
      { name: 'json $.user.id', json: '$.user.id', equals: 42 },
      { name: 'null ok', json: '$.gone', equals: null },
      { name: 'json $.token', json: '$.token', matches: '^[a-z0-9]+$' },
      { name: 'has user', json: '$.user' },
    ]);
  });

  it('rejects checks without a kind, with two kinds, mismatched options, bad regexes, JSON paths and duplicate names', () => {
    const issues = issuesOf(() =>
      parseConfig(
        step([
          {},
          { status: 200, body_contains: 'x' },
          { body_contains: 'x', matches: 'y' },
          { status: 200, equals: 1 },
          { header: 'x', matches: '(' },
          { json: '$..a', equals: 1 },
          { json: '$.a', equals: 1, matches: 'b' },
          { status: 200 },
          { stauts: 200 },
        ]),
      ),
    );
    const at = (path: string) => issues.filter((issue) => issue.path === `scenario[0].checks${path}`).map((issue) => issue.message);
    expect(at('[0]')).toEqual(['needs one of "status", "header", "body_contains" or "json", e.g. {"status": [200, 201]}']);
    expect(at('[1].body_contains')[0]).toMatch(/not "status" and "body_contains"/);
    expect(at('[2].matches')[0]).toMatch(/"matches" goes with "header" or "json"/);
    expect(at('[3].equals')[0]).toMatch(/"equals" goes with "json"/);
    expect(at('[4].matches')[0]).toMatch(/"\(" is not a valid regular expression/);
    expect(at('[5].json')[0]).toMatch(/invalid JSON path/);
    expect(at('[6].matches')[0]).toMatch(/either "equals" or "matches"/);
    expect(at('[7].name')[0]).toMatch(/another check of this step is named "status"/);
    expect(at('[8].stauts')[0]).toMatch(/unknown key "stauts" at scenario\[0\]\.checks\[8\]\.stauts; did you mean "status"\?/);
  });
});
