import { describe, expect, it } from 'vitest';
import { packageOf, summariseProfile } from '../src/profile-summary.mjs';

describe('packageOf', () => {
  it('names workspace packages, npm packages (scoped too), Node built-ins and V8 buckets', () => {
    expect(packageOf('file:///work/main/packages/session/dist/session.js')).toBe('@session-engine/session');
    expect(packageOf('file:///work/main/node_modules/undici/lib/dispatcher/client-h1.js')).toBe('undici');
    expect(packageOf('file:///work/main/node_modules/@scope/pkg/index.js')).toBe('@scope/pkg');
    // A dependency nested under a workspace package belongs to the dependency.
    expect(packageOf('file:///work/main/packages/session/node_modules/tough-cookie/dist/a.js')).toBe('tough-cookie');
    expect(packageOf('node:internal/streams/readable')).toBe('node:streams');
    expect(packageOf('node:internal/deps/undici/undici')).toBe('node:undici');
    expect(packageOf('node:net')).toBe('node:net');
    expect(packageOf('')).toBe('(native/V8)');
  });
});

describe('summariseProfile', () => {
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '0' });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('request', 'file:///w/packages/session/dist/session.js', 9) },
      { id: 3, callFrame: frame('parse', 'file:///w/node_modules/undici/lib/x.js') },
      { id: 4, callFrame: frame('(idle)', '') },
      { id: 5, callFrame: frame('(garbage collector)', '') },
    ],
    // A sample is charged the time until the next sample (the last one gets nothing).
    samples: [2, 3, 3, 4, 5],
    timeDeltas: [0, 1000, 2000, 3000, 4000],
  };

  it('charges time to functions and packages, leaving idle time out of the busy total', () => {
    const s = summariseProfile(profile);
    expect(s.idleMs).toBe(4);
    expect(s.totalMs).toBe(6);
    expect(s.functions.map((f) => [f.name, f.ms])).toEqual([
      ['parse', 5],
      ['request', 1],
    ]);
    expect(s.functions.find((f) => f.name === 'request')?.file).toBe('packages/session/dist/session.js:10');
    expect(s.packages).toEqual([
      { pkg: 'undici', ms: 5 },
      { pkg: '@session-engine/session', ms: 1 },
    ]);
  });
});
