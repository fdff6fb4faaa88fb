import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseProxyUrl } from './index.js';

const SECRET_USER = 'customer-abc';
const SECRET_PASS = 'Pa$$w0rd!';

describe('ProxyEntry never leaks credentials', () => {
  const entry = parseProxyUrl(`http://${SECRET_USER}:${encodeURIComponent(SECRET_PASS)}@10.0.0.1:8080`, 'proxies.txt', 2);

  function expectClean(text: string): void {
    expect(text).not.toContain(SECRET_USER);
    expect(text).not.toContain('Pa$$');
    expect(text).not.toContain('Pa%24%24');
  }

  it('still gives the credentials to code that asks for them by name', () => {
    expect(entry.username).toBe(SECRET_USER);
    expect(entry.password).toBe(SECRET_PASS);
    expect(entry.url).toContain(SECRET_USER);
  });

  it('masks display and toString()', () => {
    expect(entry.display).toBe('http://***:***@10.0.0.1:8080');
    expect(String(entry)).toBe(entry.display);
    expect(`${entry}`).toBe(entry.display);
  });

  it('masks JSON.stringify', () => {
    const json = JSON.stringify({ proxy: entry });
    expectClean(json);
    expect(JSON.parse(json)).toEqual({
      proxy: { display: entry.display, protocol: 'http', host: '10.0.0.1', port: 8080, source: 'proxies.txt', line: 2, weight: 1 },
    });
  });

  it('masks util.inspect, with and without custom inspection and hidden properties', () => {
    expect(inspect(entry)).toBe('ProxyEntry <http://***:***@10.0.0.1:8080> (proxies.txt:2)');
    expectClean(inspect(entry, { showHidden: true, depth: 5, getters: true }));
    // Only `customInspect: false` together with `getters: true` (asking to run every getter) reveals them.
    expectClean(inspect(entry, { customInspect: false, showHidden: true }));
    expectClean(inspect({ nested: [entry] }));
  });

  it('masks object spread, Object.entries and structuredClone', () => {
    expectClean(JSON.stringify(Object.entries({ ...entry })));
    expectClean(inspect(structuredClone(entry), { showHidden: true }));
  });
});
