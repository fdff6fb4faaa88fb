export { startTargetServer } from './server.js';
export type { CloseOptions, RunningTargetServer, TargetServerOptions } from './server.js';
export type { TrafficStatsSnapshot } from './traffic-stats.js';
export type { ServerMetricsSnapshot } from './server-metrics.js';
export { runCli, parseCliArgs, USAGE } from './cli.js';
export type { CliIo, CliCommand } from './cli.js';
export {
  TargetServerError,
  TargetServerListenError,
  TargetServerOptionError,
  TargetServerUsageError,
} from './errors.js';
