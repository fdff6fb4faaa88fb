/**
 * Serves the control API of a run with `control_port`: the token (given, from
 * SESSION_ENGINE_CONTROL_TOKEN, or generated), the server, the warning for an
 * address beyond this machine, and `onControlApi`. `run()` and the main
 * thread of `runThreads()` both serve it this way (threads never serve one).
 */
import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import { resolveControlToken } from './auth.js';
import { startControlServer, type RunningControlServer } from './control-server.js';
import type { RunControl } from './run-control.js';

export interface ServeControlOptions {
  control: RunControl;
  config: Readonly<EngineConfig> & { control_port: number };
  logger: Logger;
  /** The version in the OpenAPI document. */
  version: string;
  /** `RunOptions.controlToken`. */
  token?: string | undefined;
  /** `RunOptions.onControlApi`. */
  onControlApi?: ((api: { url: string; token: string; generated: boolean }) => void) | undefined;
}

/** A loopback address: the control API stays on this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Starts the control API on `config.control_host:control_port`; rejects with `ControlServerError` when it cannot listen. */
export async function serveControlApi(options: ServeControlOptions): Promise<RunningControlServer> {
  const { config, logger } = options;
  const token = options.token !== undefined && options.token !== '' ? { token: options.token, generated: false } : resolveControlToken();
  const server = await startControlServer({ control: options.control, token: token.token, version: options.version, logger, port: config.control_port, host: config.control_host });
  if (!isLoopback(config.control_host)) {
    logger.warn(`the control API listens on ${config.control_host}, beyond this machine: whoever reaches it with the token steers the run; put it behind a TLS proxy (docs/control-api.md)`);
  }
  logger.info('control API listening', { url: server.url });
  options.onControlApi?.({ url: server.url, token: token.token, generated: token.generated });
  return server;
}
