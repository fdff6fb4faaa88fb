import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDeclarationFile, packageOfSpecifier, typeImportSpecifiers, undeclaredTypeImports } from '../src/dts-imports.mjs';

/**
 * The release dry-run refuses a published .d.ts that imports a package users will not have
 * (the CLI's manifest types once imported the devDependency kubernetes-models).
 */
const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

const manifest = {
  name: '@session-engine/cli',
  dependencies: { yaml: '^2.9.1', '@session-engine/runner': '^0.1.0', '@types/some-lib': '^1.0.0' },
  peerDependencies: { undici: '^7.0.0' },
  devDependencies: { 'kubernetes-models': '^4.5.1' },
};

describe('type imports of published declaration files', () => {
  it('finds every form of specifier a .d.ts can hold', () => {
    const text = [
      '/// <reference types="vitest" />',
      "import type { IJob } from 'kubernetes-models/batch/v1';",
      'import {',
      '  a,',
      '  b,',
      '} from "multi-line";',
      "export { c } from './local.js';",
      "export * from '@scope/pkg/sub';",
      "import 'side-effect';",
      "export declare const d: import('dynamic').T;",
      "import e = require('cjs');",
      "declare module 'augmented' {}",
    ].join('\n');
    expect(typeImportSpecifiers(text).sort()).toEqual(
      ['./local.js', '@scope/pkg/sub', 'augmented', 'cjs', 'dynamic', 'kubernetes-models/batch/v1', 'multi-line', 'side-effect', 'vitest'].sort(),
    );
  });

  it('names the package of a bare specifier, nothing for relative paths and Node.js built-ins', () => {
    expect(packageOfSpecifier('kubernetes-models/batch/v1')).toBe('kubernetes-models');
    expect(packageOfSpecifier('@session-engine/runner/sub')).toBe('@session-engine/runner');
    expect(packageOfSpecifier('./objects.js')).toBeUndefined();
    expect(packageOfSpecifier('node:http')).toBeUndefined();
    expect(packageOfSpecifier('events')).toBeUndefined();
    expect(isDeclarationFile('dist/k8s/job-manifest.d.ts')).toBe(true);
    expect(isDeclarationFile('dist/index.d.mts')).toBe(true);
    expect(isDeclarationFile('dist/index.js')).toBe(false);
  });

  it('reports a devDependency, accepts dependencies, peerDependencies, their @types packages and the package itself', () => {
    const files = [
      { path: 'dist/k8s/job-manifest.d.ts', text: "import type { IJob } from 'kubernetes-models/batch/v1';\nimport { stringify } from 'yaml';\n" },
      {
        path: 'dist/index.d.ts',
        text: [
          "export * from '@session-engine/runner';",
          "import type { Dispatcher } from 'undici';",
          "import type { X } from 'some-lib';",
          "export type { Y } from '@session-engine/cli/extra';",
          "import type { Server } from 'node:http';",
          "import type { Z } from 'not-declared';",
        ].join('\n'),
      },
    ];
    expect(undeclaredTypeImports(manifest, files)).toEqual([
      { path: 'dist/k8s/job-manifest.d.ts', specifier: 'kubernetes-models/batch/v1', packageName: 'kubernetes-models' },
      { path: 'dist/index.d.ts', specifier: 'not-declared', packageName: 'not-declared' },
    ]);
  });

  // The same rule over the built packages (this project's tests run after the CLI's build and its dependencies').
  it('holds for every publishable package as built', () => {
    const undeclared: string[] = [];
    let checked = 0;
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(workspaceRoot, group))) {
        const dir = join(workspaceRoot, group, name);
        const manifestPath = join(dir, 'package.json');
        if (!existsSync(manifestPath)) continue;
        const pkg = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; private?: boolean };
        if (pkg.private === true) continue;
        const dist = join(dir, 'dist');
        expect(existsSync(dist), `${pkg.name} is not built (${dist})`).toBe(true);
        const files = (readdirSync(dist, { recursive: true }) as string[])
          .filter((path) => isDeclarationFile(path) && !/\.test(-d)?\.d\.ts$/.test(path))
          .map((path) => ({ path: relative(dir, join(dist, path)), text: readFileSync(join(dist, path), 'utf8') }));
        checked += files.length;
        for (const found of undeclaredTypeImports(pkg, files)) undeclared.push(`${pkg.name}: ${found.path} imports ${found.specifier}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(undeclared).toEqual([]);
  });
});
