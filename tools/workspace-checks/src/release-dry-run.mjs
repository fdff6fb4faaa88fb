#!/usr/bin/env node
// Release dry-run: packs every publishable workspace package, checks what each
// tarball holds, then installs all tarballs into a fresh project outside the
// workspace and imports every package by name from plain Node ESM, the way a
// user would. The shipped .d.ts files may import only declared dependencies,
// and every installed dependency must declare it runs on Node 20.18.
// Exits non-zero with the reasons on any problem.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeclarationFile, undeclaredTypeImports } from './dts-imports.mjs';
import { engineProblems, enginesExcluding, floorOf, KNOWN_EXCEPTIONS } from './dependency-engines.mjs';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const problems = [];
// The Node version every published package promises: the root's engines, which each package repeats.
const rootEngines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node;
const nodeFloor = floorOf(rootEngines);

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Publishable packages: every non-private workspace under packages/ and apps/. */
function publishablePackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      if (!manifest.private) found.push({ dir, manifest });
    }
  }
  return found;
}

function checkManifest({ manifest }) {
  const where = manifest.name;
  for (const field of ['version', 'description', 'license', 'repository', 'keywords', 'engines', 'files', 'exports']) {
    if (manifest[field] === undefined) problems.push(`${where}: package.json lacks "${field}"`);
  }
  if (manifest.type !== 'module') problems.push(`${where}: package.json "type" must be "module"`);
  if (manifest.engines !== undefined && manifest.engines.node !== rootEngines) {
    problems.push(`${where}: engines.node is "${manifest.engines.node}", the workspace's is "${rootEngines}"; use the same range`);
  }
  const main = manifest.exports?.['.'];
  if (!main?.types?.startsWith('./dist/') || !main?.import?.startsWith('./dist/')) {
    problems.push(`${where}: exports["."] needs "types" and "import" conditions pointing into ./dist/`);
  }
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
    if (dep.startsWith('@session-engine/') && !/^\^\d/.test(range)) {
      problems.push(`${where}: internal dependency ${dep} must use a caret range (got "${range}") so changesets bumps it`);
    }
  }
}

function checkTarball({ manifest }, files) {
  const where = `${manifest.name} tarball`;
  const paths = files.map((f) => f.path);
  for (const required of ['package.json', 'dist/index.js', 'dist/index.d.ts']) {
    if (!paths.includes(required)) problems.push(`${where}: missing ${required} (was the package built?)`);
  }
  for (const path of paths) {
    if (/\.test(-d)?\.(js|ts|d\.ts|js\.map|d\.ts\.map)$/.test(path) || path.startsWith('test/')) {
      problems.push(`${where}: ships a test file ${path}`);
    }
    if (path.startsWith('src/') || path.startsWith('packages/') || path.startsWith('apps/') || path.includes('node_modules/')) {
      problems.push(`${where}: ships source or another package's file ${path}`);
    }
  }
}

/** The shipped type declarations import only what a user's install brings: the package's dependencies and peerDependencies. */
function checkTypeImports({ dir, manifest }, files) {
  const declarations = files
    .map((f) => f.path)
    .filter(isDeclarationFile)
    .map((path) => ({ path, text: readFileSync(join(dir, path), 'utf8') }));
  for (const { path, specifier, packageName } of undeclaredTypeImports(manifest, declarations)) {
    problems.push(
      `${manifest.name} tarball: ${path} imports types from "${specifier}", but ${packageName} is not in dependencies or peerDependencies, ` +
        `so users' type checks cannot resolve it; declare the types locally, or move ${packageName} to dependencies`,
    );
  }
}

const packages = publishablePackages();
const packDir = mkdtempSync(join(tmpdir(), 'session-engine-pack-'));
const consumerDir = mkdtempSync(join(tmpdir(), 'session-engine-consumer-'));
try {
  const tarballs = [];
  for (const pkg of packages) {
    checkManifest(pkg);
    const [result] = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', packDir], pkg.dir));
    checkTarball(pkg, result.files);
    checkTypeImports(pkg, result.files);
    tarballs.push(join(packDir, result.filename));
    console.log(`packed ${pkg.manifest.name}@${pkg.manifest.version}: ${result.files.length} files, ${result.unpackedSize} bytes`);
  }

  writeFileSync(
    join(consumerDir, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], consumerDir);

  // What a user installs must say it runs on the Node we promise (a transitive dependency included).
  const consumerLock = JSON.parse(readFileSync(join(consumerDir, 'package-lock.json'), 'utf8'));
  const excluding = enginesExcluding(consumerLock, nodeFloor);
  problems.push(...engineProblems(excluding, nodeFloor));
  for (const known of KNOWN_EXCEPTIONS.filter((e) => excluding.some((p) => p.name === e.name && p.version === e.version))) {
    console.log(`engines: ${known.name}@${known.version} excludes Node ${nodeFloor}, accepted: ${known.why}`);
  }

  const names = packages.map((p) => p.manifest.name);
  writeFileSync(
    join(consumerDir, 'import-all.mjs'),
    `const names = ${JSON.stringify(names)};
const failures = [];
for (const name of names) {
  try {
    const mod = await import(name);
    if (Object.keys(mod).length === 0) failures.push(name + ': imported but exports nothing');
    else console.log('imported ' + name + ': ' + Object.keys(mod).sort().join(', '));
  } catch (error) {
    failures.push(name + ': ' + error.message);
  }
}
if (failures.length) { console.error(failures.join('\\n')); process.exit(1); }
`,
  );
  try {
    process.stdout.write(sh(process.execPath, ['import-all.mjs'], consumerDir));
  } catch (error) {
    problems.push(`consumer import failed:\n${error.stderr || error.message}`);
  }

  // The CLI's bin must run from the installed tarball.
  try {
    const version = sh(join(consumerDir, 'node_modules', '.bin', 'engine'), ['--version'], consumerDir).trim();
    console.log(`engine --version: ${version}`);
  } catch (error) {
    problems.push(`installed "engine" binary failed: ${error.stderr || error.message}`);
  }

  // The HTML report inlines uplot, read from node_modules when it renders: it must resolve from the installed runner.
  try {
    const report = join(root, 'packages', 'runner', 'test', 'fixtures', 'demo-report.json');
    const page = join(consumerDir, 'report.html');
    console.log(sh(join(consumerDir, 'node_modules', '.bin', 'engine'), ['report', 'html', report, '-o', page], consumerDir).trim());
    if (!readFileSync(page, 'utf8').includes('new uPlot(')) problems.push('engine report html wrote a page without the chart setup');
  } catch (error) {
    problems.push(`installed "engine report html" failed: ${error.stderr || error.message}`);
  }
} finally {
  rmSync(packDir, { recursive: true, force: true });
  rmSync(consumerDir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\nrelease dry-run found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`\nrelease dry-run passed: ${packages.length} packages pack, install and import by name.`);
