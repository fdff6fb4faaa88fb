export { configFields, type ConfigField, type FieldKind } from './config-fields.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  ConfigError,
  ConfigFileError,
  ConfigParseError,
  ConfigValidationError,
  JsonPathError,
  type ConfigIssue,
} from './errors.js';
export { parseJsonPath, readJsonPath, type JsonPathSegment } from './json-path.js';
export {
  defaultConfig,
  loadConfig,
  parseConfig,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './load-config.js';
export { REDACTED, redactConfig } from './redact.js';
export {
  engineConfigSchema,
  type CaptureSpec,
  type ConfigInput,
  type ConfigKey,
  type EngineConfig,
  type LogLevel,
  type ScenarioStep,
  type Stage,
} from './schema.js';
export { BUILTIN_TEMPLATE_VARIABLES, templateVariables } from './template-variables.js';
