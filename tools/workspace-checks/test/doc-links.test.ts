import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the links between the docs working and their tables whole, as GitHub renders them: a
 * relative link must name a file that exists, a `#fragment` a heading (or `<a id>`) of that file,
 * and a table row must have its header's number of cells (GitHub drops the extra ones).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** README.md, docs/**\/*.md and every package's and app's README. */
function markdownFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? docs(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  const readmes = ['packages', 'apps'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .map((name) => join(dir, name, 'README.md'))
      .filter((path) => existsSync(join(root, path))),
  );
  return ['README.md', ...docs('docs'), ...readmes];
}

/** The lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push({ line: index + 1, text: line });
  });
  return lines;
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to `-`; repeats get `-1`, `-2`, ... */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = heading
        .toLowerCase()
        .replace(/<[^>]+>/g, '')
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

/** Relative links `[text](target)` in prose (code spans and fenced blocks left out). */
function linksOf(text: string): { line: number; target: string }[] {
  return proseLines(text).flatMap(({ line, text: prose }) =>
    [...prose.replace(/`[^`]*`/g, '``').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target))
      .map((target) => ({ line, target })),
  );
}

/** Table rows whose cell count differs from their header's (`\|` is an escaped pipe, not a cell). */
function ragged(text: string): { line: number; cells: number; header: number }[] {
  const problems: { line: number; cells: number; header: number }[] = [];
  let header: number | undefined;
  for (const { line, text: prose } of proseLines(text)) {
    const row = prose.trim();
    if (!row.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = row.replace(/\\\|/g, '').replace(/^\|/, '').replace(/\|$/, '').split('|').length;
    if (header === undefined) header = cells;
    else if (cells !== header) problems.push({ line, cells, header });
  }
  return problems;
}

function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  const absolute = join(root, file);
  for (const { line, target } of linksOf(readFileSync(absolute, 'utf8'))) {
    const [path = '', fragment] = target.split('#');
    const linked = path === '' ? absolute : resolve(dirname(absolute), decodeURIComponent(path));
    if (!existsSync(linked)) {
      problems.push(`${file}:${line}: ${target}: no file ${relative(root, linked)}`);
    } else if (fragment !== undefined && statSync(linked).isFile() && linked.endsWith('.md')) {
      if (!anchorsOf(readFileSync(linked, 'utf8')).has(fragment)) {
        problems.push(`${file}:${line}: ${target}: ${relative(root, linked)} has no heading with the id "${fragment}"`);
      }
    }
  }
  return problems;
}

describe('links between the docs', () => {
  const files = markdownFiles();

  it('name files that exist and headings those files have', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it('are found, anchors included, and a link to a missing heading is caught', () => {
    const doc = '# Every core: `--threads`\n\nSee [a](#every-core---threads), [b](other.md#nope), `[c](x.md)`, [d](https://x.y/).\n```\n[e](f.md)\n```\n';
    expect(linksOf(doc).map((link) => link.target)).toEqual(['#every-core---threads', 'other.md#nope']);
    expect(anchorsOf(doc).has('every-core---threads')).toBe(true);
    expect(anchorsOf('## Merging\n## Merging\n').has('merging-1')).toBe(true);
    expect(anchorsOf(doc).has('nope')).toBe(false);
  });
});

describe('tables in the docs', () => {
  it('have as many cells in each row as in their header', () => {
    const problems = markdownFiles().flatMap((file) =>
      ragged(readFileSync(join(root, file), 'utf8')).map(({ line, cells, header }) => `${file}:${line}: ${cells} cells, the header has ${header}`),
    );
    expect(problems).toEqual([]);
  });

  it('catch a row with a cell too many, and count an escaped pipe as text', () => {
    const table = '| a | b |\n| --- | --- |\n| `x \\| y` | z |\n| 1 | 2 | 3\n';
    expect(ragged(table)).toEqual([{ line: 4, cells: 3, header: 2 }]);
  });
});
