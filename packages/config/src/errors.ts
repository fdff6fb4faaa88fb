/**
 * Base class of every configuration error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class ConfigError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_CONFIG', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
    this.code = code;
  }
}

/** One problem found while validating a configuration. */
export interface ConfigIssue {
  /** Where in the config, e.g. `stages[1].duration`; `''` for the root. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
  /** Stable issue code: `unknown_key`, `invalid_type`, `invalid_duration`, ... */
  code: string;
  /** Config file (or `parseConfig`'s `source`) the offending value came from. */
  file?: string;
  /** 1-based line of the offending key in `file`. */
  line?: number;
  /** 1-based column of the offending key in `file`. */
  column?: number;
  /** Environment variable the offending value came from. */
  env?: string;
}

/** Where an issue came from, as shown in messages: `file:line:column`, `$VAR` or nothing. */
export function issueLocation(issue: ConfigIssue): string | undefined {
  if (issue.env !== undefined) return `$${issue.env}`;
  if (issue.file === undefined) return undefined;
  if (issue.line === undefined) return issue.file;
  return `${issue.file}:${issue.line}:${issue.column ?? 1}`;
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => {
    const location = issueLocation(issue);
    const where = issue.path === '' ? '(root)' : issue.path;
    return `  - ${location === undefined ? '' : `${location} `}${where}: ${issue.message}`;
  });
  return `invalid configuration (${count}):\n${lines.join('\n')}`;
}

/** The configuration does not match the schema; every problem is in `issues`. */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(formatIssues(issues), 'SE_ERR_CONFIG_INVALID', options);
    this.name = 'ConfigValidationError';
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

/** The config text is not valid JSON. */
export class ConfigParseError extends ConfigError {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
  /** What the parser expected at that position, e.g. `"," or "}"`. */
  readonly expected: string;

  constructor(
    detail: string,
    position: { file?: string | undefined; line: number; column: number; expected: string },
    options?: ErrorOptions,
  ) {
    const where = `${position.file ?? '<input>'}:${position.line}:${position.column}`;
    super(`${where}: invalid JSON: ${detail}`, 'SE_ERR_CONFIG_PARSE', options);
    this.name = 'ConfigParseError';
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
    this.expected = position.expected;
  }
}

/** The config file is missing or cannot be read. */
export class ConfigFileError extends ConfigError {
  readonly path: string;

  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_CONFIG_FILE', options);
    this.name = 'ConfigFileError';
    this.path = path;
  }
}

/** A JSON path (a capture's `json`) that does not follow the grammar; the message says where and shows the accepted forms. */
export class JsonPathError extends ConfigError {
  /** The rejected path, as given. */
  readonly path: string;
  /** 0-based offset in `path` where reading stopped. */
  readonly offset: number;

  constructor(message: string, path: string, offset: number, options?: ErrorOptions) {
    super(message, 'SE_ERR_CONFIG_JSON_PATH', options);
    this.name = 'JsonPathError';
    this.path = path;
    this.offset = offset;
  }
}

/** A threshold expression outside the grammar; the message shows the expression with a caret under the problem, and the grammar. */
export class ThresholdError extends ConfigError {
  /** The rejected expression, trimmed. */
  readonly expression: string;
  /** 0-based offset in `expression` where the problem is. */
  readonly offset: number;

  constructor(message: string, expression: string, offset: number, options?: ErrorOptions) {
    super(message, 'SE_ERR_CONFIG_THRESHOLD', options);
    this.name = 'ThresholdError';
    this.expression = expression;
    this.offset = offset;
  }
}
