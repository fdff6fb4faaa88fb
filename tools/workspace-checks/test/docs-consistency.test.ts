import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@session-engine/config';
import { Metrics } from '@session-engine/metrics';
import { describe, expect, it } from 'vitest';

/** Keeps the hand-written docs in step with the code they describe. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** `<!-- include: examples/x -->` followed by a fenced block: the block must be the file, verbatim. */
function includes(doc: string): { file: string; block: string }[] {
  return [...doc.matchAll(/<!-- include: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)].map((match) => ({
    file: match[1]!,
    block: match[2]!,
  }));
}

/** Flag names and short chars declared in `engine run` (apps/cli/src/commands/run.ts). */
function runFlags(): { name: string; char?: string }[] {
  const source = read('apps/cli/src/commands/run.ts');
  return [...source.matchAll(/^\s+'?([a-z][a-z-]*)'?: Flags\.\w+\(\{([^\n]*)/gm)].map((match) => {
    const char = /char: '(.)'/.exec(match[2]!)?.[1];
    return char === undefined ? { name: match[1]! } : { name: match[1]!, char };
  });
}

/** Top-level keys of `interface RunReport` in packages/runner/src/report.ts. */
function reportFields(): string[] {
  const source = read('packages/runner/src/report.ts');
  const body = /export interface RunReport \{\n([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...body.matchAll(/^ {2}([a-z_]+)\??:/gm)].map((match) => match[1]!);
}

describe('included example files', () => {
  const docs = ['docs/scenarios.md', 'docs/library-usage.md'];

  it('are embedded verbatim wherever a doc includes them', () => {
    let count = 0;
    for (const doc of docs) {
      for (const { file, block } of includes(read(doc))) {
        count += 1;
        expect(block, `${doc} embeds docs/${file}: copy the file into the block again`).toBe(read(join('docs', file)));
      }
    }
    expect(count).toBeGreaterThanOrEqual(3);
  });

  it('detects an embedded copy that differs from its file', () => {
    const [included] = includes('<!-- include: examples/a.json -->\n```json\n{"a": 1}\n```\n');
    expect(included).toEqual({ file: 'examples/a.json', block: '{"a": 1}\n' });
  });

  it('include a scenario config the schema accepts', () => {
    const config = parseConfig(JSON.parse(read('docs/examples/scenario.json')), { source: 'docs/examples/scenario.json' });
    expect(config.scenario.map((step) => step.name)).toEqual(['login', 'me', 'counter', 'echo']);
  });
});

describe('docs/cli.md', () => {
  const cliDoc = read('docs/cli.md');
  const flags = runFlags();

  it('reads the flags of engine run from its source', () => {
    expect(flags.map((flag) => flag.name)).toEqual(expect.arrayContaining(['config', 'target', 'metrics-port', 'demo']));
    expect(flags.find((flag) => flag.name === 'sessions')?.char).toBe('s');
  });

  it('documents every flag of engine run, with its short form', () => {
    for (const { name, char } of flags) {
      const row = char === undefined ? new RegExp(`^\\| \`--(\\[no-\\])?${name}[ \`]`, 'm') : new RegExp(`^\\| \`-${char}, --${name}[ \`]`, 'm');
      expect(cliDoc, `docs/cli.md needs a table row for ${char ? `-${char}, ` : ''}--${name}`).toMatch(row);
    }
  });
});

describe('docs/user-guide.md', () => {
  const guide = read('docs/user-guide.md');

  it('explains every top-level field of the JSON report', () => {
    const fields = reportFields();
    expect(fields).toEqual(expect.arrayContaining(['total', 'success', 'failed', 'latency', 'config']));
    for (const field of fields) {
      expect(guide, `docs/user-guide.md: add "${field}" to the JSON report table`).toMatch(new RegExp(`^\\| \`${field}\`|, \`${field}\` \\|`, 'm'));
    }
  });

  it('lists every Prometheus metric the engine exposes', async () => {
    const metrics = new Metrics();
    metrics.recordSuccess(200, 1000, 10, 'step');
    metrics.recordFailure('timeout', 1000);
    const names = [...(await metrics.prometheus()).matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(guide, `docs/user-guide.md: add ${name} to the metrics table`).toContain(`| \`${name}\` |`);
  });
});
