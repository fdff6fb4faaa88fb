import { REDACTED as SHARED_REDACTED } from '@session-engine/redact';
import { describe, expect, it } from 'vitest';
import { parseConfig, REDACTED, redactConfig } from './index.js';

describe('redactConfig', () => {
  const config = parseConfig({
    target_url: 'https://user:pw-0@example.com:8443/base?x=1',
    headers: {
      Authorization: 'Bearer t0ken',
      Cookie: 'sid=1',
      'Proxy-Authorization': 'Basic x',
      'X-Api-Key': 'SECRET123',
      'x-auth-token': 'tok-1',
      'x-trace': 'keep',
    },
    body: 'user=a&password=hunter2',
    scenario: [
      {
        url: 'http://token@other.example.com/a',
        headers: { authorization: 'Bearer s', 'x-client-secret': 'cs-1', accept: 'text/plain' },
        body: 'pin=8642',
        expect_status: [200],
      },
      { path: '/b', json: { user: 'a', password: 'hunter3' }, capture: { id: { json: '$.id' } } },
      { url: 'https://u:p@ss@third.example.com/c', method: 'POST' },
    ],
  });

  it('uses the one placeholder of @session-engine/redact', () => {
    expect(REDACTED).toBe('[REDACTED]');
    expect(REDACTED).toBe(SHARED_REDACTED);
  });

  it('masks secret header values, bodies and URL credentials', () => {
    const safe = redactConfig(config);
    expect(safe.target_url).toBe('https://***:***@example.com:8443/base?x=1');
    expect(safe.headers).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'proxy-authorization': REDACTED,
      'x-api-key': REDACTED,
      'x-auth-token': REDACTED,
      'x-trace': 'keep',
    });
    expect(safe.body).toBe(REDACTED);
    expect(safe.scenario[0]?.url).toBe('http://***@other.example.com/a');
    expect(safe.scenario[0]?.headers).toEqual({ authorization: REDACTED, 'x-client-secret': REDACTED, accept: 'text/plain' });
    expect(safe.scenario[0]?.body).toBe(REDACTED);
    expect(safe.scenario[1]?.json).toBe(REDACTED);
    expect(safe.scenario[1]?.capture).toEqual({ id: { json: '$.id' } });
    expect(JSON.stringify(safe)).not.toMatch(/pw-0|t0ken|sid=1|Basic x|Bearer s|token@|SECRET123|tok-1|cs-1|hunter|8642/);
  });

  it('masks a password holding an "@" whole', () => {
    const safe = redactConfig(config);
    expect(safe.scenario[2]?.url).toBe('https://***:***@third.example.com/c');
    expect(redactConfig(parseConfig({ target_url: 'https://u:p@ss@host' })).target_url).toBe('https://***:***@host');
  });

  it('keeps absent and empty bodies as they are', () => {
    const plain = redactConfig(parseConfig({ target_url: 'http://127.0.0.1:8080', scenario: [{ path: '/a' }, { path: '/b', body: '' }] }));
    expect(plain.body).toBe('');
    expect(plain.scenario[0]).not.toHaveProperty('body');
    expect(plain.scenario[0]).not.toHaveProperty('json');
    expect(plain.scenario[1]?.body).toBe('');
  });

  it('returns a frozen copy and leaves the original intact', () => {
    const safe = redactConfig(config);
    expect(safe).not.toBe(config);
    expect(Object.isFrozen(safe)).toBe(true);
    expect(Object.isFrozen(safe.headers)).toBe(true);
    expect(Object.isFrozen(safe.scenario[1]?.capture)).toBe(true);
    expect(config.headers['authorization']).toBe('Bearer t0ken');
    expect(config.body).toBe('user=a&password=hunter2');
    expect(config.scenario[1]?.json).toEqual({ user: 'a', password: 'hunter3' });
    expect(config.target_url).toBe('https://user:pw-0@example.com:8443/base?x=1');
  });

  it('leaves URLs without credentials byte for byte', () => {
    const plain = parseConfig({ target_url: 'http://127.0.0.1:8080/a@b' });
    expect(redactConfig(plain).target_url).toBe('http://127.0.0.1:8080/a@b');
  });
});
