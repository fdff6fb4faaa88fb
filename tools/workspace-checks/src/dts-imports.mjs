// The packages a published package's type declarations import. A `.d.ts` that
// imports a package the user's install does not bring (a devDependency, say)
// breaks their type check (TS2307) as soon as those types are reached, or
// silently turns them into `any` under skipLibCheck. The release dry-run uses
// undeclaredTypeImports() on every tarball.
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

// import/export ... from 'x', import 'x', import('x'), import x = require('x'),
// declare module 'x', /// <reference types="x" />.
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\s[^'";]*?\bfrom\s*(['"])([^'"]+)\1/g,
  /\bimport\s*(['"])([^'"]+)\1/g,
  /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  /\bdeclare\s+module\s+(['"])([^'"]+)\1/g,
  /\/\/\/\s*<reference\s+types\s*=\s*(['"])([^'"]+)\1/g,
];

/** Every module specifier a declaration file's text refers to, in order, without repeats. */
export function typeImportSpecifiers(text) {
  const found = new Set();
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of text.matchAll(pattern)) found.add(match[2]);
  }
  return [...found];
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for a relative path or a Node.js built-in. */
export function packageOfSpecifier(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  // Built-ins' types come from @types/node, which any TypeScript user on Node.js has.
  if (BUILTINS.has(name)) return undefined;
  return name;
}

/** The DefinitelyTyped package that can provide a package's types: `x` -> `@types/x`, `@s/x` -> `@types/s__x`. */
function typesPackageOf(name) {
  return name.startsWith('@') ? `@types/${name.slice(1).replace('/', '__')}` : `@types/${name}`;
}

/**
 * The imports of `files` (declaration files, `{ path, text }`) that a user who installs the package
 * would not have: a package that is neither the package itself nor in its dependencies or
 * peerDependencies (directly or through its `@types/` package). Each: `{ path, specifier, packageName }`.
 */
export function undeclaredTypeImports(manifest, files) {
  const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const undeclared = [];
  for (const { path, text } of files) {
    for (const specifier of typeImportSpecifiers(text)) {
      const packageName = packageOfSpecifier(specifier);
      if (packageName === undefined || declared.has(packageName) || declared.has(typesPackageOf(packageName))) continue;
      undeclared.push({ path, specifier, packageName });
    }
  }
  return undeclared;
}

/** Whether a path is a TypeScript declaration file (`.d.ts`, `.d.mts`, `.d.cts`). */
export function isDeclarationFile(path) {
  return /\.d\.[cm]?ts$/.test(path);
}
