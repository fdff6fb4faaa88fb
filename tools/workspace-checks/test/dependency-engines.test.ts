import { describe, expect, it } from 'vitest';
import { enginesExcluding, engineProblems, floorOf } from '../src/dependency-engines.mjs';

const lock = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'consumer', engines: { node: '>=99' } },
    'node_modules/ok': { version: '1.0.0', engines: { node: '>=18' } },
    'node_modules/or-range': { version: '1.0.0', engines: { node: '^20.18 || >=22' } },
    'node_modules/fastify/node_modules/too-new': { version: '2.0.2', engines: { node: '>=22' } },
    'node_modules/dev-only': { version: '3.0.0', dev: true, engines: { node: '>=24' } },
    'node_modules/no-engines': { version: '1.0.0' },
    'node_modules/bad-range': { version: '1.0.0', engines: { node: 'latest please' } },
    'node_modules/@scope/old-floor': { version: '4.0.0', engines: { node: '>=20.19' } },
  },
};

describe('dependency engines', () => {
  it('finds the installed, non-dev packages whose engines.node excludes the floor, nested and scoped ones too', () => {
    expect(floorOf('>=20.18.1')).toBe('20.18.1');
    expect(() => floorOf('soon')).toThrow(/engines\.node "soon" is not a version range/);
    expect(enginesExcluding(lock, '20.18.0')).toEqual([
      { name: '@scope/old-floor', version: '4.0.0', range: '>=20.19' },
      { name: 'too-new', version: '2.0.2', range: '>=22' },
    ]);
  });

  it('reports an exclusion that is not a known exception, with how to fix it, and a known exception that no longer happens', () => {
    const exceptions = [
      { name: 'too-new', version: '2.0.2', why: 'runs on 20' },
      { name: 'gone', version: '1.0.0', why: 'fixed upstream' },
    ];
    const problems = engineProblems(enginesExcluding(lock, '20.18.0'), '20.18.0', exceptions);
    expect(problems).toEqual([
      expect.stringMatching(/^@scope\/old-floor@4\.0\.0 declares engines\.node ">=20\.19", which excludes Node 20\.18\.0 .*add it to KNOWN_EXCEPTIONS/),
      expect.stringMatching(/^gone@1\.0\.0 is listed in KNOWN_EXCEPTIONS but an install no longer has it excluding Node 20\.18\.0: remove the entry$/),
    ]);
    expect(engineProblems([], '20.18.0', [])).toEqual([]);
    // A floor the range allows: nothing to report.
    expect(enginesExcluding(lock, '24.0.0')).toEqual([]);
  });
});
