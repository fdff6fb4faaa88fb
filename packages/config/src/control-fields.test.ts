import { describe, expect, it } from 'vitest';
import { configFields, configValueSchema, loadConfig, parseConfig } from './index.js';

describe('control_port and control_host', () => {
  it('has no control API by default, and loopback as the host', () => {
    const config = parseConfig({});
    expect(config.control_port).toBeUndefined();
    expect(config.control_host).toBe('127.0.0.1');
    expect(configFields.find((field) => field.key === 'control_port')?.defaultText).toBe('none');
  });

  it('takes a port from 0 (a free one) to 65535 and a host without scheme or port', () => {
    expect(parseConfig({ control_port: 0 }).control_port).toBe(0);
    expect(parseConfig({ control_port: 6565, control_host: '::1' })).toMatchObject({ control_port: 6565, control_host: '::1' });
    for (const control_port of [-1, 65_536, 1.5, '6565']) {
      expect(() => parseConfig({ control_port })).toThrow(/control_port: must be a port number from 0 to 65535/);
    }
    expect(() => parseConfig({ control_host: 'http://0.0.0.0:80' })).toThrow(/control_host: must be a host name or an IP address/);
  });

  it('reads SESSION_ENGINE_CONTROL_PORT, and leaves SESSION_ENGINE_CONTROL_TOKEN alone (not a config key, never in the config)', async () => {
    const config = await loadConfig({ env: { SESSION_ENGINE_CONTROL_PORT: '7000', SESSION_ENGINE_CONTROL_TOKEN: 'secret-token' } });
    expect(config.control_port).toBe(7000);
    expect(JSON.stringify(config)).not.toContain('secret-token');
  });
});

describe('configValueSchema', () => {
  it('checks one key with the config\'s own messages, without its default', () => {
    const sessions = configValueSchema('number_of_sessions');
    expect(sessions.parse(30)).toBe(30);
    expect(sessions.safeParse(undefined).success).toBe(false);
    const zero = sessions.safeParse(0);
    expect(zero.success).toBe(false);
    expect(zero.error?.issues[0]?.message).toBe('must be a whole number ≥ 1, e.g. 500; got 0 (number)');
    expect(configValueSchema('graceful_stop').parse('5s')).toBe(5_000);
    expect(configValueSchema('log_level').safeParse('loud').error?.issues[0]?.message).toMatch(/must be one of "debug", "info", "warn", "error"/);
  });
});
