/**
 * Base class of every proxy error. Users match on `code` (stable across
 * releases), never on the message text.
 */
export class ProxyError extends Error {
  readonly code: string;

  constructor(message: string, code = 'SE_ERR_PROXY', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** One rejected line of a proxy list. `reason` says what is wrong and how to fix it. */
export interface ProxyLineIssue {
  readonly source: string;
  readonly line: number;
  readonly reason: string;
}

// A list of 100k bad lines must not become a 10 MB message; `errors` keeps them all.
const MAX_LINES_IN_MESSAGE = 20;

/**
 * A proxy list (or a single proxy URL) has bad lines. Every bad line is in
 * `errors`, so a user fixes the whole file in one pass. Messages never contain
 * credentials.
 */
export class ProxyListError extends ProxyError {
  readonly errors: readonly ProxyLineIssue[];

  constructor(issues: readonly ProxyLineIssue[]) {
    const shown = issues.slice(0, MAX_LINES_IN_MESSAGE).map((i) => `${i.source}:${i.line}: ${i.reason}`);
    if (issues.length > MAX_LINES_IN_MESSAGE) {
      shown.push(`... and ${issues.length - MAX_LINES_IN_MESSAGE} more bad lines`);
    }
    super(shown.join('\n'), 'SE_ERR_PROXY_BAD_LINE');
    this.name = 'ProxyListError';
    this.errors = Object.freeze([...issues]);
  }
}

/** The proxy file is missing or unreadable. `osCode` is Node's code (`ENOENT`, `EACCES`, ...). */
export class ProxyFileError extends ProxyError {
  readonly path: string;
  readonly osCode: string | undefined;

  constructor(path: string, cause: unknown) {
    const osCode = errorCode(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot read proxy file "${path}": ${reason}`, 'SE_ERR_PROXY_FILE', { cause });
    this.name = 'ProxyFileError';
    this.path = path;
    this.osCode = osCode;
  }
}

/**
 * A reload found a list with no proxies while the manager had some. Applying
 * it would silently switch new sessions to direct connections (a truncated
 * file mid-write looks exactly like this), so the old list is kept.
 */
export class ProxyReloadEmptyError extends ProxyError {
  readonly path: string;

  constructor(path: string) {
    super(
      `proxy file "${path}" has no proxies now; kept the current list (a reload never switches to direct connections: create a new ProxyManager for that)`,
      'SE_ERR_PROXY_RELOAD_EMPTY',
    );
    this.name = 'ProxyReloadEmptyError';
    this.path = path;
  }
}

/** A `ProxyManager` option is out of range. */
export class ProxyOptionError extends ProxyError {
  readonly option: string;

  constructor(option: string, message: string) {
    super(`option ${option}: ${message}`, 'SE_ERR_PROXY_INVALID_OPTIONS');
    this.name = 'ProxyOptionError';
    this.option = option;
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/**
 * A route for a target URL could not be chosen: a PAC file could not be
 * loaded or run, or answered nothing usable. The request fails as
 * `proxy_connect` (counted against the PAC entry).
 */
export class ProxyRouteError extends ProxyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_PROXY_ROUTE', options);
    this.name = 'ProxyRouteError';
  }
}
