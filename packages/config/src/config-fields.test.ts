import { describe, expect, it } from 'vitest';
import { configFields, defaultConfig, engineConfigSchema, loadConfig, type EngineConfig } from './index.js';
import { configShape } from './schema.js';

describe('configFields', () => {
  it('lists every top-level key of the schema, in schema order', () => {
    expect(configFields.map((field) => field.key)).toEqual(Object.keys(configShape));
    expect(Object.keys(engineConfigSchema.parse({}))).toEqual(Object.keys(configShape));
  });

  it('carries the schema defaults and descriptions', () => {
    const defaults: Readonly<EngineConfig> = defaultConfig();
    for (const field of configFields) {
      if (field.key === 'workers') {
        expect(field.default).toBeUndefined();
        expect(field.defaultText).toBe('= number_of_sessions');
      } else {
        expect(field.default).toEqual(defaults[field.key]);
      }
      expect(field.description).toBe(configShape[field.key].description);
      expect(field.description.length).toBeGreaterThan(10);
      expect(field.env).toBe(`SESSION_ENGINE_${field.key.toUpperCase()}`);
    }
  });

  it('writes defaults the way users write them', () => {
    const text = Object.fromEntries(configFields.map((field) => [field.key, field.defaultText]));
    expect(text).toMatchObject({ request_timeout: '30s', idle_conn_timeout: '1m30s', duration: '0', number_of_sessions: '500', target_url: '""', log_level: '"info"', stages: '[]' });
  });

  it('describes graceful_stop and timeline_interval, settable from the environment', async () => {
    const byKey = new Map(configFields.map((field) => [field.key, field]));
    expect(byKey.get('graceful_stop')).toMatchObject({ type: 'duration', kind: 'duration', default: 30_000, defaultText: '30s', env: 'SESSION_ENGINE_GRACEFUL_STOP' });
    expect(byKey.get('graceful_stop')?.description).toContain('error kind `interrupted`');
    expect(byKey.get('timeline_interval')).toMatchObject({ type: 'duration', kind: 'duration', default: 1_000, defaultText: '1s', env: 'SESSION_ENGINE_TIMELINE_INTERVAL' });
    const config = await loadConfig({ env: { SESSION_ENGINE_GRACEFUL_STOP: '0', SESSION_ENGINE_TIMELINE_INTERVAL: '250ms' } });
    expect([config.graceful_stop, config.timeline_interval]).toEqual([0, 250]);
  });

  it('names an environment variable that loadConfig reads for every field', async () => {
    const samples: Record<string, string> = {
      integer: '7',
      number: '7',
      duration: '7s',
      string: '',
      boolean: 'true',
      enum: 'debug',
      object: '{}',
      array: '[]',
    };
    // Keys whose empty string or sample is not valid on its own (a TTL needs a Redis session_state).
    const special: Record<string, string> = { method: 'PUT', session_state: 'redis://127.0.0.1:6379', session_state_name: 'env-run', control_host: '::1', shard: '1/3', run_id: 'env-run', start_at: '2026-11-28T12:00:00Z' };
    const env = Object.fromEntries(configFields.map((field) => [field.env, special[field.key] ?? samples[field.kind] ?? '']));
    const config = await loadConfig({ env });
    expect(config.number_of_sessions).toBe(7);
    expect(config.request_timeout).toBe(7_000);
    expect(config.insecure_tls).toBe(true);
    expect(config.log_level).toBe('debug');
    expect(config.method).toBe('PUT');
    expect([config.session_state, config.session_state_name, config.session_state_ttl]).toEqual(['redis://127.0.0.1:6379', 'env-run', 7_000]);    expect([config.shard, config.run_id, config.start_at, config.max_start_lag]).toEqual(['1/3', 'env-run', '2026-11-28T12:00:00Z', 7_000]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(configFields)).toBe(true);
    expect(Object.isFrozen(configFields[0])).toBe(true);
  });
});
