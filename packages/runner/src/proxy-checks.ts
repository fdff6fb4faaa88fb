/**
 * Active proxy health (config `proxy_check_url`): every `proxy_check_interval`
 * a GET of the check URL through each proxy whose circuit is open or
 * half-open. Any response closes the circuit at once; a failure leaves it
 * open (a half-open one re-opens with back-off). Sessions never wait for it:
 * checks run beside the load, one round at a time, each on a client of its own.
 */
import { createHttpClient } from '@session-engine/client-factory';
import type { Logger } from '@session-engine/logger';
import type { ProxyEntry, ProxyManager } from '@session-engine/proxy';

export interface ProxyCheckOptions {
  url: string;
  intervalMs: number;
  /** Bound of one check (connect included), ms. */
  timeoutMs: number;
  connectTimeoutMs: number;
  insecureTls: boolean;
}

/** One check through `entry`: true when any response came back within the bound (or `signal` aborted it). */
export async function checkProxy(entry: ProxyEntry, options: ProxyCheckOptions, signal?: AbortSignal): Promise<boolean> {
  const client = createHttpClient({
    proxy: entry,
    connections: 1,
    connectTimeout: Math.min(options.connectTimeoutMs, options.timeoutMs),
    requestTimeout: options.timeoutMs,
    insecureTls: options.insecureTls,
  });
  const target = new URL(options.url);
  try {
    const response = await client.dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      signal: signal === undefined ? AbortSignal.timeout(options.timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    await response.body.dump();
    return true;
  } catch {
    return false;
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

/** Starts the checks; the returned function stops them, aborting a round in flight. */
export function startProxyChecks(proxies: ProxyManager, options: ProxyCheckOptions, logger: Logger): () => Promise<void> {
  let round: Promise<void> | undefined;
  let stopped = false;
  const stop = new AbortController();
  const tick = (): void => {
    if (round !== undefined || stopped) return;
    const unhealthy = proxies.unhealthy();
    if (unhealthy.length === 0) return;
    round = Promise.all(
      unhealthy.map(async (entry) => {
        const ok = await checkProxy(entry, options, stop.signal);
        if (stopped) return;
        logger.debug('proxy health check', { proxy: entry.display, ok });
        proxies.reportCheck(entry, ok);
      }),
    )
      .catch((error: unknown) => logger.warn('proxy health check failed', { error: error instanceof Error ? error.message : String(error) }))
      .then(() => {
        round = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    stop.abort();
    await round;
  };
}
