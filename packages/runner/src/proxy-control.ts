/**
 * The run's proxies: the ProxyManager built from the config's circuit
 * settings, its per-proxy Prometheus series, and `RunControl`, through which
 * a caller (the CLI on SIGHUP) re-reads the proxy file while the run goes on.
 */
import type { EngineConfig } from '@session-engine/config';
import type { Logger } from '@session-engine/logger';
import type { Metrics } from '@session-engine/metrics';
import { ProxyManager, proxyFromEnvironment } from '@session-engine/proxy';
import { attachProxyReload, RunControl, type ProxyReload } from './control/run-control.js';
import { NoProxiesError } from './errors.js';

// RunControl moved to control/run-control.ts (it steers the whole run now); re-exported for the old import path.
export { RunControl, type ProxyReload };

/** Loads `proxy_file` (or, with `proxy_from_env`, the environment's proxies) with the circuit settings of the config; undefined without either (direct connections). */
export async function openProxies(config: Readonly<EngineConfig>, logger: Logger): Promise<ProxyManager | undefined> {
  const circuits = {
    maxFailures: config.proxy_max_failures,
    cooldownMs: config.proxy_cooldown,
    maxCooldownMs: Math.max(config.proxy_max_cooldown, config.proxy_cooldown),
  };
  let proxies: ProxyManager;
  if (config.proxy_from_env) {
    // One entry: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY choose per target origin (direct when none applies).
    proxies = new ProxyManager([proxyFromEnvironment()], circuits);
    logger.info('proxies from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), chosen per target origin');
  } else {
    if (!config.proxy_file) return undefined;
    proxies = await ProxyManager.fromFile(config.proxy_file, circuits);
    if (proxies.count() === 0) throw new NoProxiesError(config.proxy_file);
    logger.info('proxies loaded', { file: config.proxy_file, count: proxies.count() });
  }
  proxies.subscribe((event) => {
    if (event.type === 'closed') logger.info(`proxy ${event.entry.display} is healthy again: its probe request succeeded`, { proxy: event.entry.display });
  });
  return proxies;
}

/**
 * Wires the proxies into the run: Prometheus series, and `control`'s reload
 * (logged, whatever its outcome). Returns the detach function for the
 * lifecycle.
 */
export function wireProxies(proxies: ProxyManager, file: string, metrics: Metrics, logger: Logger, control: RunControl | undefined): () => void {
  metrics.trackProxies(() => proxies.report());
  if (control === undefined) return () => undefined;
  attachProxyReload(control, async (): Promise<ProxyReload> => {
    try {
      const result = await proxies.reload();
      logger.info('proxy file reloaded', { file, ...result });
      return { ...result, file };
    } catch (error) {
      logger.warn(`proxy file not reloaded, the current list stays: ${error instanceof Error ? error.message : String(error)}`, { file });
      throw error;
    }
  });
  return () => attachProxyReload(control, undefined);
}
