export { startTargetServer } from './server.js';
export type { RunningTargetServer, TargetServerOptions } from './server.js';
