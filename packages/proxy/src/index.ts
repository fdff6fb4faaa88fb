export {
  ProxyError,
  ProxyFileError,
  ProxyListError,
  ProxyOptionError,
  ProxyReloadEmptyError,
  type ProxyLineIssue,
} from './errors.js';
export type { ProxyEntry, ProxyProtocol } from './proxy-entry.js';
export { parseProxyUrl } from './parse-proxy-url.js';
export { loadProxyFile, parseProxyList } from './proxy-list.js';
export { ProxyManager, type ProxyManagerOptions, type ProxyStats } from './proxy-manager.js';
