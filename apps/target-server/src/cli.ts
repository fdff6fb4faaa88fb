import { parseArgs } from 'node:util';
import { TargetServerError, TargetServerUsageError } from './errors.js';
import { startTargetServer, type TargetServerOptions } from './server.js';

export const USAGE = `Usage: target-server [options]

Demo HTTP target for session-engine runs and tests.

Options:
  -p, --port <n>              port to listen on, 0 = any free port (env PORT, default 8080)
  -H, --host <addr>           interface to bind (env HOST, default 127.0.0.1)
      --shutdown-timeout <ms> grace period for in-flight requests on SIGINT/SIGTERM (default 10000)
      --keep-alive-timeout <ms> idle keep-alive socket timeout (default 65000)
      --max-delay <ms>        largest ms accepted by GET /delay (default 60000)
      --session-secret <key>  sign session cookies, so a restarted server with the same key
                              still knows its sessions (env SESSION_SECRET; default: none)
  -h, --help                  print this help

Flags win over environment variables. Prints "target-server listening on <url>" to stdout when
ready; logs to stderr. SIGINT/SIGTERM drain in-flight requests and exit 0; a second signal stops at once.
`;

export type CliCommand = { kind: 'help' } | { kind: 'serve'; options: TargetServerOptions };

/** Where the binary writes and which signals it listens to; injectable for tests. */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Registers a shutdown-signal listener; returns a function that removes it. */
  onSignal: (listener: (signal: NodeJS.Signals) => void) => () => void;
}

/** Parses flags and env (`PORT`, `HOST`); flags win. Throws TargetServerUsageError. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        'shutdown-timeout': { type: 'string' },
        'keep-alive-timeout': { type: 'string' },
        'max-delay': { type: 'string' },
        'session-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new TargetServerUsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const options: TargetServerOptions = {
    port: integer(values.port ?? env.PORT ?? '8080', values.port !== undefined ? '--port' : 'PORT', 65_535),
    host: values.host ?? (env.HOST !== undefined && env.HOST !== '' ? env.HOST : '127.0.0.1'),
  };
  if (options.host === '') throw new TargetServerUsageError('--host must not be empty');
  if (values['shutdown-timeout'] !== undefined) {
    options.shutdownTimeout = integer(values['shutdown-timeout'], '--shutdown-timeout');
  }
  if (values['keep-alive-timeout'] !== undefined) {
    options.keepAliveTimeout = integer(values['keep-alive-timeout'], '--keep-alive-timeout');
  }
  if (values['max-delay'] !== undefined) options.maxDelayMs = integer(values['max-delay'], '--max-delay');
  const secret = values['session-secret'] ?? env.SESSION_SECRET;
  if (secret !== undefined && secret !== '') options.sessionSecret = secret;
  return { kind: 'serve', options };
}

function integer(raw: string, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > max) {
    throw new TargetServerUsageError(`${name} must be an integer from 0 to ${max}, got "${raw}"`);
  }
  return value;
}

const processIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  onSignal: (listener) => {
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
};

/**
 * The `target-server` binary: resolves with the exit code once the server has stopped (after a
 * signal), or at once for --help and errors. 0 = clean stop, 1 = could not start, 2 = bad usage.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = processIo): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv, env);
  } catch (error) {
    io.stderr(`target-server: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const server = await startTargetServer({ ...command.options, log: io.stderr }).catch((error: unknown) => {
    io.stderr(`target-server: ${error instanceof TargetServerError ? `${error.message} (${error.code})` : String(error)}`);
    return undefined;
  });
  if (!server) return 1;
  io.stdout(`target-server listening on ${server.url}`);

  return new Promise<number>((resolve) => {
    let signals = 0;
    const removeListener = io.onSignal((signal) => {
      signals++;
      if (signals === 1) {
        io.stderr(`target-server: ${signal} received, draining in-flight requests (send again to stop at once)`);
        void server.close().then(() => {
          removeListener();
          io.stderr('target-server: stopped');
          resolve(0);
        });
      } else {
        io.stderr(`target-server: ${signal} received again, closing every connection now`);
        // A later close() with a shorter timeout shortens the grace period: 0 ends it now.
        void server.close({ timeoutMs: 0 });
      }
    });
  });
}
