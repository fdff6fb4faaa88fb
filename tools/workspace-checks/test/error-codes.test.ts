import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/errors.md must list every error code the sources define, and nothing
 * else: a code added to a package without a line in the docs fails here.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const CODE_LITERAL = /['"`](SE_ERR_[A-Z_]+)['"`]/g;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !/\.test\.|\.d\.ts$/.test(name)) files.push(path);
  }
  return files;
}

/** Code -> the first file defining it, from packages/*\/src and apps/*\/src (tests excluded). */
function codesInSources(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const group of ['packages', 'apps']) {
    for (const project of readdirSync(join(root, group))) {
      const src = join(root, group, project, 'src');
      let isDir = false;
      try {
        isDir = statSync(src).isDirectory();
      } catch {
        // A project without sources.
      }
      if (!isDir) continue;
      for (const file of sourceFiles(src)) {
        for (const match of readFileSync(file, 'utf8').matchAll(CODE_LITERAL)) {
          if (!codes.has(match[1]!)) codes.set(match[1]!, relative(root, file));
        }
      }
    }
  }
  return codes;
}

/** Codes documented as table rows: "| `SE_ERR_X` |". */
function codesInDocs(text: string): Set<string> {
  return new Set([...text.matchAll(/^\| `(SE_ERR_[A-Z_]+)` \|/gm)].map((match) => match[1]!));
}

const errorsDoc = readFileSync(join(root, 'docs/errors.md'), 'utf8');

describe('docs/errors.md', () => {
  const sources = codesInSources();

  it('finds the codes of every package (the scan itself works)', () => {
    expect(sources.size).toBeGreaterThan(40);
    for (const base of ['SE_ERR_CONFIG', 'SE_ERR_PROXY', 'SE_ERR_SESSION', 'SE_ERR_SCHEDULER', 'SE_ERR_CLI', 'SE_ERR_POOL']) {
      expect(sources.has(base), base).toBe(true);
    }
  });

  it('documents every SE_ERR_ code found in the sources', () => {
    const documented = codesInDocs(errorsDoc);
    const missing = [...sources].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'add a row for each of these codes to docs/errors.md').toEqual([]);
  });

  it('documents no code that the sources do not define', () => {
    const stale = [...codesInDocs(errorsDoc)].filter((code) => !sources.has(code));
    expect(stale, 'these codes no longer exist: remove or rename their rows in docs/errors.md').toEqual([]);
  });

  it('reads only table rows, so a code mentioned in prose does not count as documented', () => {
    expect([...codesInDocs('see `SE_ERR_NOT_A_ROW` here\n| `SE_ERR_ROW` | class |\n')]).toEqual(['SE_ERR_ROW']);
  });
});
