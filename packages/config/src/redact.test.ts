import { describe, expect, it } from 'vitest';
import { parseConfig, REDACTED, redactConfig } from './index.js';

describe('redactConfig', () => {
  const config = parseConfig({
    target_url: 'https://user:secret@example.com:8443/base?x=1',
    headers: { Authorization: 'Bearer t0ken', Cookie: 'sid=1', 'Proxy-Authorization': 'Basic x', 'x-trace': 'keep' },
    scenario: [
      { url: 'http://token@other.example.com/a', headers: { authorization: 'Bearer s' }, expect_status: [200] },
      { path: '/b', capture: { id: { json: '$.id' } } },
    ],
  });

  it('masks secret header values and URL credentials', () => {
    const safe = redactConfig(config);
    expect(safe.target_url).toBe('https://***:***@example.com:8443/base?x=1');
    expect(safe.headers).toEqual({ authorization: REDACTED, cookie: REDACTED, 'proxy-authorization': REDACTED, 'x-trace': 'keep' });
    expect(safe.scenario[0]?.url).toBe('http://***@other.example.com/a');
    expect(safe.scenario[0]?.headers).toEqual({ authorization: REDACTED });
    expect(JSON.stringify(safe)).not.toMatch(/secret|t0ken|sid=1|Basic x|Bearer s|token@/);
  });

  it('returns a frozen copy and leaves the original intact', () => {
    const safe = redactConfig(config);
    expect(safe).not.toBe(config);
    expect(Object.isFrozen(safe)).toBe(true);
    expect(Object.isFrozen(safe.headers)).toBe(true);
    expect(Object.isFrozen(safe.scenario[1]?.capture)).toBe(true);
    expect(config.headers['authorization']).toBe('Bearer t0ken');
    expect(config.target_url).toBe('https://user:secret@example.com:8443/base?x=1');
    expect(safe.scenario[1]).toEqual(config.scenario[1]);
  });

  it('leaves URLs without credentials byte for byte', () => {
    const plain = parseConfig({ target_url: 'http://127.0.0.1:8080/a@b' });
    expect(redactConfig(plain).target_url).toBe('http://127.0.0.1:8080/a@b');
  });
});
