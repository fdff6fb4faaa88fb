export {
  ProxyError,
  ProxyFileError,
  ProxyListError,
  ProxyOptionError,
  ProxyReloadEmptyError,
  ProxyRouteError,
  type ProxyLineIssue,
} from './errors.js';
export type { ProxyEntry, ProxyProtocol, ProxyRouteChooser } from './proxy-entry.js';
export { proxyFromEnvironment, ProxyRouter, RouteEntry, type RouteSource } from './proxy-routes.js';
export { parseProxyUrl } from './parse-proxy-url.js';
export { loadProxyFile, MAX_PROXY_WEIGHT, parseProxyList } from './proxy-list.js';
export type { CircuitState } from './proxy-circuit.js';
export {
  ProxyManager,
  type ProxyEvent,
  type ProxyManagerOptions,
  type ProxyReloadResult,
  type ProxyReport,
  type ProxyStats,
} from './proxy-manager.js';
