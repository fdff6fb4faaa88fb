export { createLogger } from './logger.js';
export type { Logger, LoggerOptions, LogFields } from './logger.js';
export type { DestinationStream } from './destination.js';
export type { LogLevel } from './levels.js';
export { LOG_LEVELS } from './levels.js';
export type { TimestampPrecision } from './timestamp.js';
// Re-exported from @session-engine/redact, the one redaction module.
export { redactUrl } from '@session-engine/redact';
export { LoggerError, InvalidLevelError, InvalidOptionError } from './errors.js';
