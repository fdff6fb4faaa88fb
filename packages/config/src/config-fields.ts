import { formatDuration } from './duration.js';
import { deepFreeze } from './freeze.js';
import { configShape, engineConfigSchema, type ConfigKey, type EngineConfig } from './schema.js';

/** How a value is written: decides how an environment variable's text is read. */
export type FieldKind = 'integer' | 'number' | 'duration' | 'string' | 'boolean' | 'enum' | 'object' | 'array';

/** One top-level configuration key, for help output and generated docs. */
export interface ConfigField {
  readonly key: ConfigKey;
  /** Type as users write it: `integer`, `duration`, `string`, `Stage[]`, ... */
  readonly type: string;
  readonly kind: FieldKind;
  /** Parsed default (milliseconds for durations); `undefined` for `workers`, which follows number_of_sessions. */
  readonly default: unknown;
  /** Default as users write it: `30s`, `500`, `""`, `= number_of_sessions`. */
  readonly defaultText: string;
  readonly description: string;
  /** Environment variable that sets it: `SESSION_ENGINE_<KEY>`. */
  readonly env: string;
}

export const ENV_PREFIX = 'SESSION_ENGINE_';

/** What the schema does not say by itself. Typed by the schema's keys, so neither can drift. */
const FIELD_TYPES: Readonly<Record<ConfigKey, { type: string; kind: FieldKind }>> = {
  number_of_sessions: { type: 'integer', kind: 'integer' },
  request_timeout: { type: 'duration', kind: 'duration' },
  max_retries: { type: 'integer', kind: 'integer' },
  max_redirects: { type: 'integer', kind: 'integer' },
  target_url: { type: 'string (http(s) URL)', kind: 'string' },
  proxy_file: { type: 'string (path)', kind: 'string' },
  proxy_max_failures: { type: 'integer', kind: 'integer' },
  proxy_cooldown: { type: 'duration', kind: 'duration' },
  proxy_max_cooldown: { type: 'duration', kind: 'duration' },
  proxy_check_url: { type: 'string (http(s) URL)', kind: 'string' },
  proxy_check_interval: { type: 'duration', kind: 'duration' },
  proxy_from_env: { type: 'boolean', kind: 'boolean' },
  max_idle_conns: { type: 'integer', kind: 'integer' },
  max_idle_conns_per_host: { type: 'integer', kind: 'integer' },
  max_conns_per_host: { type: 'integer', kind: 'integer' },
  workers: { type: 'integer', kind: 'integer' },
  threads: { type: 'integer | "auto"', kind: 'integer' },
  thread_young_generation_mb: { type: 'integer', kind: 'integer' },
  duration: { type: 'duration', kind: 'duration' },
  iterations: { type: 'integer', kind: 'integer' },
  graceful_stop: { type: 'duration', kind: 'duration' },
  warmup: { type: 'duration', kind: 'duration' },
  rate: { type: 'number', kind: 'number' },
  stages: { type: 'Stage[]', kind: 'array' },
  headers: { type: 'Record<string, string>', kind: 'object' },
  idle_conn_timeout: { type: 'duration', kind: 'duration' },
  tls_handshake_timeout: { type: 'duration', kind: 'duration' },
  insecure_tls: { type: 'boolean', kind: 'boolean' },
  preconnect: { type: 'boolean', kind: 'boolean' },
  log_level: { type: '"debug" | "info" | "warn" | "error"', kind: 'enum' },
  metrics_interval: { type: 'duration', kind: 'duration' },
  timeline_interval: { type: 'duration', kind: 'duration' },
  method: { type: 'string (HTTP method)', kind: 'string' },
  body: { type: 'string', kind: 'string' },
  scenario: { type: 'ScenarioStep[]', kind: 'array' },
  script: { type: 'string (path)', kind: 'string' },
  thresholds: { type: '(string | Threshold)[]', kind: 'array' },
  session_state: { type: 'string (path or redis:// URL)', kind: 'string' },
  session_state_interval: { type: 'duration', kind: 'duration' },
  session_state_ttl: { type: 'duration', kind: 'duration' },
  session_state_name: { type: 'string', kind: 'string' },
  session_state_reset: { type: 'boolean', kind: 'boolean' },
  control_port: { type: 'integer (port)', kind: 'integer' },
  control_host: { type: 'string (host or IP)', kind: 'string' },
  shard: { type: 'string ("<index>/<count>" or "auto/<count>")', kind: 'string' },
  run_id: { type: 'string', kind: 'string' },
  start_at: { type: 'string (ISO 8601 time)', kind: 'string' },
  max_start_lag: { type: 'duration', kind: 'duration' },
};

function defaultText(key: ConfigKey, kind: FieldKind, value: unknown): string {
  if (key === 'workers') return '= number_of_sessions';
  if (value === undefined) return 'none';
  if (kind === 'duration' && typeof value === 'number') return value === 0 ? '0' : formatDuration(value);
  return JSON.stringify(value);
}

function buildFields(): readonly ConfigField[] {
  const defaults: EngineConfig = engineConfigSchema.parse({});
  return deepFreeze(
    (Object.keys(configShape) as ConfigKey[]).map((key) => {
      const { type, kind } = FIELD_TYPES[key];
      const value = key === 'workers' ? undefined : defaults[key];
      return {
        key,
        type,
        kind,
        default: value,
        defaultText: defaultText(key, kind, value),
        description: configShape[key].description ?? '',
        env: `${ENV_PREFIX}${key.toUpperCase()}`,
      };
    }),
  );
}

/** Every top-level key, in schema order, derived from the schema: the source for generated docs. */
export const configFields: readonly ConfigField[] = buildFields();
