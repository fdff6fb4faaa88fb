import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FAILURE_KINDS, type FailureKindInfo } from '@session-engine/failures';
import { describe, expect, it } from 'vitest';

/**
 * docs/errors.md#failure-kinds is the user's table of the failure
 * vocabulary: every kind of @session-engine/failures, with the same retry and
 * proxy-health treatment the code applies.
 */
const errorsDoc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');

interface Row {
  kind: string;
  category: string;
  retried: string;
  proxy: string;
}

function failureKindRows(text: string): Row[] {
  const start = text.indexOf('## Failure kinds');
  const end = text.indexOf('\n#', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([^`]+)` \| ([a-z]+) \|([^|]+)\|([^|]*)\|/gm)].map((m) => ({
    kind: m[1]!,
    category: m[2]!,
    retried: m[3]!.trim(),
    proxy: m[4]!.trim(),
  }));
}

function retriedColumn(info: FailureKindInfo): string {
  if (!info.retryable) return 'never';
  return info.neverSent ? 'yes, any method' : 'yes';
}

describe('docs/errors.md#failure-kinds', () => {
  const rows = failureKindRows(errorsDoc);

  it('finds the table (the parser itself works)', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect(failureKindRows('## Failure kinds\n| `x` | http | never | | a | b |\n## next\n| `y` | http | never | | a | b |')).toEqual([
      { kind: 'x', category: 'http', retried: 'never', proxy: '' },
    ]);
  });

  it('lists every kind of @session-engine/failures once, and no other', () => {
    const documented = rows.map((row) => row.kind);
    expect(new Set(documented).size, 'a kind is listed twice').toBe(documented.length);
    expect([...documented].sort()).toEqual([...FAILURE_KINDS.keys()].sort());
  });

  it('gives each kind the category, retry and proxy treatment the code applies', () => {
    for (const row of rows) {
      const info = FAILURE_KINDS.get(row.kind);
      if (info === undefined) continue;
      expect({ kind: row.kind, category: row.category, retried: row.retried, proxy: row.proxy }).toEqual({
        kind: info.kind,
        category: info.category,
        retried: retriedColumn(info),
        proxy: info.countsAgainstProxy ? 'counts' : '',
      });
    }
  });
});

describe('error code spelling', () => {
  const codes = [...errorsDoc.matchAll(/^\| `(SE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]!);

  it('spells a bad option _INVALID_OPTIONS and a bad argument _INVALID_ARGUMENT, and keeps proxy errors in the proxy family', () => {
    expect(codes.length).toBeGreaterThan(40);
    const offenders = codes.filter(
      (code) =>
        (/OPTION/.test(code) && !code.endsWith('_INVALID_OPTIONS')) ||
        (/ARGUMENT/.test(code) && !code.endsWith('_INVALID_ARGUMENT')) ||
        /_BAD_(OPTION|ARG|REQUEST|LEVEL)/.test(code) ||
        /^SE_ERR_[A-Z]+_PROXY_/.test(code),
    );
    expect(offenders).toEqual([]);
  });
});
