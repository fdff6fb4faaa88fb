// Which installed packages say they do not run on the Node version we promise.
// Read from an install's package-lock.json (a consumer's, in the release
// dry-run), so it sees the transitive tree a user gets, not our own lockfile.
import semver from 'semver';

/** The oldest Node an `engines.node` range allows (`>=20.18.1` -> `20.18.1`). */
export function floorOf(range) {
  const min = semver.validRange(range) === null ? null : semver.minVersion(range);
  if (min === null) throw new Error(`engines.node "${range}" is not a version range`);
  return min.version;
}

/**
 * Packages known to declare a newer Node than they need, with why they are
 * accepted. Each entry is checked still to be true (the exact version is
 * installed and still excludes the floor), so a fix upstream shows up here.
 */
export const KNOWN_EXCEPTIONS = [
  {
    name: 'cookie',
    version: '2.0.2',
    why:
      'fastify 5 (the control API) -> light-my-request 6.8 -> cookie 2, which declares node >=22 but uses no API newer than Node 20 ' +
      '(the control API tests run on Node 20); npm prints EBADENGINE at install. light-my-request 6.6.0 used cookie 1.',
  },
];

/**
 * `lock`: a package-lock.json (v2/v3) object; `floor`: a Node version. Returns
 * every non-dev package whose `engines.node` range does not include it, as
 * `{ name, version, range }`, sorted by name.
 */
export function enginesExcluding(lock, floor) {
  const found = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.dev === true) continue;
    const range = typeof entry.engines === 'object' && entry.engines !== null ? entry.engines.node : undefined;
    if (typeof range !== 'string' || range.trim() === '') continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // An invalid range is npm's own business (it ignores it); only a real exclusion counts.
    if (semver.validRange(range) === null) continue;
    if (!semver.satisfies(floor, range, { includePrerelease: true })) found.push({ name, version: entry.version, range });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name) || String(a.version).localeCompare(String(b.version)));
}

/** The problems to report: exclusions not in `exceptions`, and exceptions that no longer happen. */
export function engineProblems(excluding, floor, exceptions = KNOWN_EXCEPTIONS) {
  const problems = [];
  const isKnown = (p) => exceptions.some((e) => e.name === p.name && e.version === p.version);
  for (const p of excluding) {
    if (!isKnown(p)) {
      problems.push(
        `${p.name}@${p.version} declares engines.node "${p.range}", which excludes Node ${floor} (the oldest the published packages' engines allow); ` +
          'pin a version that supports it, or, if it runs on Node 20 anyway, add it to KNOWN_EXCEPTIONS in tools/workspace-checks/src/dependency-engines.mjs with why',
      );
    }
  }
  for (const e of exceptions) {
    if (!excluding.some((p) => p.name === e.name && p.version === e.version)) {
      problems.push(`${e.name}@${e.version} is listed in KNOWN_EXCEPTIONS but an install no longer has it excluding Node ${floor}: remove the entry`);
    }
  }
  return problems;
}
