import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig, parseConfig, type ConfigIssue } from './index.js';

const target_url = 'http://localhost:8080';

function issuesOf(scenario: unknown[], extra: Record<string, unknown> = {}): ConfigIssue[] {
  try {
    parseConfig({ target_url, scenario, ...extra });
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a validation error');
}

const login = { name: 'login', method: 'POST', path: '/login', capture: { token: { json: '$.token' } } };

describe('template variables checked at load', () => {
  it('accepts variables captured by an earlier step, and the built-ins anywhere', () => {
    const config = parseConfig({
      target_url,
      scenario: [
        { name: 'login', method: 'POST', path: '/login', json: { user: 'user-{{session_id}}', n: ['{{ iteration }}'] }, capture: { token: { json: '$.token' } } },
        { name: 'me', path: '/me?i={{iteration}}', headers: { Authorization: 'Bearer {{token}}' }, capture: { id: { header: 'x-id' } } },
        { name: 'item', url: 'https://api.example.com/items/{{id}}', body: '{{token}}:{{id}}:{{session_id}}' },
      ],
    });
    expect(config.scenario).toHaveLength(3);
    expect(config.scenario[1]?.headers).toEqual({ authorization: 'Bearer {{token}}' });
  });

  it('makes the captures of a once step available to the steps after it', () => {
    expect(() => parseConfig({ target_url, scenario: [{ ...login, once: true }, { path: '/me', headers: { 'x-token': '{{token}}' } }] })).not.toThrow();
  });

  it('reports an unknown variable at its field, naming the step and what is known there', () => {
    const issues = issuesOf([login, { name: 'profile', path: '/me', headers: { 'x-token': '{{tokn}}' } }]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scenario[1].headers["x-token"]', code: 'unknown_variable' });
    expect(issues[0]?.message).toBe(
      'unknown template variable "{{tokn}}" in step "profile"; did you mean "{{token}}"? Otherwise capture it in an earlier step, e.g. "capture": {"tokn": {"json": "$.tokn"}}, or use one of the variables known at this step: session_id, iteration, token',
    );
  });

  it('checks url, path, header values, body and every string inside json', () => {
    const issues = issuesOf([
      { path: '/a/{{p}}', headers: { 'x-a': '{{h}}' }, body: '{{b}}' },
      { url: 'https://example.com/{{u}}', json: { list: [1, { deep: '{{j}}' }], '{{key}}': 'keys are not templated' } },
    ]);
    expect(issues.map((issue) => [issue.path, /"\{\{(\w+)\}\}"/.exec(issue.message)?.[1]])).toEqual([
      ['scenario[0].path', 'p'],
      ['scenario[0].headers["x-a"]', 'h'],
      ['scenario[0].body', 'b'],
      ['scenario[1].url', 'u'],
      ['scenario[1].json.list[1].deep', 'j'],
    ]);
    expect(issues.every((issue) => issue.code === 'unknown_variable')).toBe(true);
  });

  it('names a step without a name as the runner does', () => {
    const [issue] = issuesOf([{ method: 'delete', path: '/items/{{id}}' }]);
    expect(issue?.message).toContain('in step "1. DELETE /items/{{id}}"');
    const [withUrl] = issuesOf([{ url: 'https://user:secret@example.com/{{id}}' }]);
    expect(withUrl?.message).toContain('in step "1. GET https://***:***@example.com/{{id}}"');
    expect(withUrl?.message).not.toContain('secret');
  });

  it('rejects a variable captured only by a later step, and says which', () => {
    const issues = issuesOf([{ name: 'me', path: '/me', headers: { 'x-token': '{{token}}' } }, login]);
    expect(issues).toMatchObject([{ path: 'scenario[0].headers["x-token"]', code: 'unknown_variable' }]);
    expect(issues[0]?.message).toBe(
      'unknown template variable "{{token}}" in step "me": it is captured only by a later step, "login" (scenario[1]); move that capture to a step before this one, or use one of the variables known at this step: session_id, iteration',
    );
  });

  it("rejects a variable used by the step that captures it: a step's captures start with the next step", () => {
    const issues = issuesOf([{ name: 'refresh', path: '/refresh?t={{token}}', capture: { token: { json: '$.token' } } }]);
    expect(issues).toMatchObject([{ path: 'scenario[0].path', code: 'unknown_variable' }]);
    expect(issues[0]?.message).toContain("this step captures it, but a step's captures are available only from the next step on");
  });

  it('explains that a dotted name is never a variable', () => {
    const [issue] = issuesOf([login, { path: '/x', body: '{{token.sub}}' }]);
    expect(issue?.message).toContain('no capture can define it');
    expect(issue?.message).toContain('"capture": {"token_sub": {"json": "$.token.sub"}}');
  });

  it('reports each unknown variable of a field once', () => {
    const issues = issuesOf([{ path: '/{{a}}/{{b}}/{{a}}' }]);
    expect(issues.map((issue) => /"\{\{(\w+)\}\}"/.exec(issue.message)?.[1])).toEqual(['a', 'b']);
  });

  it('checks the scenario even when a script replaces it', () => {
    const issues = issuesOf([{ path: '/{{nope}}' }], { script: 'job.mjs' });
    expect(issues.map((issue) => issue.code).sort()).toEqual(['conflicting_keys', 'unknown_variable']);
  });

  it('reports template problems together with the other problems of a step', () => {
    const issues = issuesOf([{ path: '/{{nope}}', expect_status: 999 }]);
    expect(issues.map((issue) => issue.path).sort()).toEqual(['scenario[0].expect_status', 'scenario[0].path']);
  });
});

describe('template variables in a config file', () => {
  it('point at the key in the file, header names as written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'se-templates-'));
    try {
      const file = join(dir, 'scenario.json');
      const text = [
        '{',
        '  "target_url": "http://localhost:8080",',
        '  "scenario": [',
        '    {"name": "login", "method": "POST", "path": "/login", "capture": {"token": {"json": "$.token"}}},',
        '    {"name": "me", "path": "/me",',
        '     "headers": {"X-Token": "{{tokn}}"},',
        '     "json": {"user": "{{usr}}"}}',
        '  ]',
        '}',
      ].join('\n');
      await writeFile(file, text);
      const error = await loadConfig({ file, env: {} }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigValidationError);
      const { issues, message } = error as ConfigValidationError;
      expect(issues.map(({ path, line, column, code }) => ({ path, line, column, code }))).toEqual([
        { path: 'scenario[1].headers["X-Token"]', line: 6, column: 18, code: 'unknown_variable' },
        { path: 'scenario[1].json.user', line: 7, column: 15, code: 'unknown_variable' },
      ]);
      expect(message).toContain(`${file}:6:18 scenario[1].headers["X-Token"]: unknown template variable "{{tokn}}" in step "me"; did you mean "{{token}}"?`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
