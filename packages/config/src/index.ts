export { configFields, type ConfigField, type FieldKind } from './config-fields.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  ConfigError,
  ConfigFileError,
  ConfigParseError,
  ConfigValidationError,
  JsonPathError,
  ThresholdError,
  type ConfigIssue,
} from './errors.js';
export { parseJsonPath, readJsonPath, type JsonPathSegment } from './json-path.js';
export { parseJsonWithPositions, type LocatedJson, type TextPosition } from './json-source.js';
export { NON_CONFIG_VARIABLES } from './env.js';
export {
  defaultConfig,
  loadConfig,
  parseConfig,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './load-config.js';
export { REDACTED, redactConfig } from './redact.js';
export {
  configValueSchema,
  engineConfigSchema,
  stepName,
  type CaptureSpec,
  type CheckSpec,
  type ConfigInput,
  type ConfigKey,
  type EngineConfig,
  type LogLevel,
  type ScenarioStep,
  type Stage,
  type ThresholdConfig,
} from './schema.js';
export {
  parseThreshold,
  thresholdHolds,
  thresholdMetricKind,
  THRESHOLD_GRAMMAR,
  type ParsedThreshold,
  type ThresholdMetric,
  type ThresholdOperator,
} from './threshold.js';
export { BUILTIN_TEMPLATE_VARIABLES, templateVariables } from './template-variables.js';
