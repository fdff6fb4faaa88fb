import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '@session-engine/config';
import type { SessionResponse } from '@session-engine/session';
import { compileChecks, jsonEquals, runChecks } from './checks.js';

function response(status: number, headers: Record<string, string | string[]>, body: string): SessionResponse {
  const buffer = Buffer.from(body);
  return {
    status,
    headers,
    body: buffer,
    bytes: buffer.length,
    url: 'http://127.0.0.1/x',
    text: () => body,
    json: <T>() => JSON.parse(body) as T,
  } as unknown as SessionResponse;
}

function outcomes(checks: CheckSpec[], res: SessionResponse): [string, boolean][] {
  const seen: [string, boolean][] = [];
  runChecks(compileChecks(checks, 'login'), res, { check: (name, ok) => (seen.push([name, ok]), ok) });
  return seen;
}

const CHECKS: CheckSpec[] = [
  { name: 'status', status: [200, 201] },
  { name: 'json type', header: 'content-type', matches: '^application/json' },
  { name: 'has id', header: 'x-id' },
  { name: 'welcome', body_contains: 'welcome' },
  { name: 'user', json: '$.user', equals: { id: 42, roles: ['a', 'b'] } },
  { name: 'token', json: '$.token', matches: '^[a-z]+$' },
  { name: 'count', json: '$.count', matches: '^\\d+$' },
  { name: 'gone is null', json: '$.gone', equals: null },
  { name: 'has token', json: '$.token' },
];

describe('scenario checks', () => {
  it('counts each check under <step>.<name>, in order', () => {
    const body = JSON.stringify({ token: 'abc', user: { roles: ['a', 'b'], id: 42 }, count: 12, gone: null, note: 'welcome' });
    expect(outcomes(CHECKS, response(201, { 'content-type': 'application/json; charset=utf-8', 'x-id': '1' }, body))).toEqual(
      CHECKS.map((check) => [`login.${check.name}`, true]),
    );
  });

  it('fails each check on a response that does not match, without throwing', () => {
    const body = JSON.stringify({ token: 'ABC1', user: { id: 42, roles: ['b', 'a'] }, count: 'x', gone: 0 });
    expect(outcomes(CHECKS, response(500, { 'content-type': 'text/html' }, body)).map(([, ok]) => ok)).toEqual([false, false, false, false, false, false, false, false, true]);
  });

  it('a body that is not JSON fails the JSON checks only (parsed once)', () => {
    let parses = 0;
    const res = response(200, { 'set-cookie': ['a=1', 'b=2'] }, 'welcome, not json');
    const text = res.text.bind(res);
    (res as { text: () => string }).text = () => (parses++, text());
    const checks: CheckSpec[] = [
      { name: 'welcome', body_contains: 'welcome' },
      { name: 'a', json: '$.a' },
      { name: 'b', json: '$.b', equals: 1 },
      { name: 'cookie b', header: 'set-cookie', matches: '^b=' },
    ];
    expect(outcomes(checks, res)).toEqual([
      ['login.welcome', true],
      ['login.a', false],
      ['login.b', false],
      ['login.cookie b', true],
    ]);
    expect(parses).toBe(1);
  });

  it('jsonEquals compares JSON values deeply, key order aside', () => {
    expect(jsonEquals({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEquals(1, '1')).toBe(false);
    expect(jsonEquals([], {})).toBe(false);
  });
});

describe('scenarioJob with checks', () => {
  it('counts a step’s checks on each response; failed checks end nothing, captures still run', async () => {
    const { scenarioJob } = await import('./scenario-job.js');
    const seen: [string, boolean][] = [];
    const session = { id: 1, variables: new Map<string, string>() };
    const replies = [response(200, {}, '{"token":"t"}'), response(503, {}, 'busy')];
    let n = 0;
    const ctx = {
      iteration: 1,
      intendedStart: 0,
      signal: new AbortController().signal,
      request: async () => replies[n++]!,
      check: (name: string, ok: boolean) => (seen.push([name, ok]), ok),
    };
    const job = scenarioJob([
      { name: 'login', method: 'POST', path: '/login', checks: [{ name: 'ok', status: [200] }, { name: 'no token', json: '$.none' }], capture: { token: { json: '$.token' } } },
      { method: 'GET', path: '/me', checks: [{ name: 'ok', status: [200] }] },
    ]);
    await job(session as never, ctx as never);
    expect(seen).toEqual([
      ['login.ok', true],
      ['login.no token', false],
      ['2. GET /me.ok', false],
    ]);
    expect(session.variables.get('token')).toBe('t');
  });
});
