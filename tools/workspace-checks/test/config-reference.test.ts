import { readFileSync } from 'node:fs';
import { configFields, parseConfig } from '@session-engine/config';
import { describe, expect, it } from 'vitest';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from '../src/gen-config-docs.mjs';

/** docs/config-reference.md is generated from the schema; these tests keep the committed file in step with it. */
describe('docs/config-reference.md', () => {
  it('is exactly what the generator produces from configFields', () => {
    const committed = readFileSync(CONFIG_REFERENCE_PATH, 'utf8');
    if (committed !== renderConfigReference()) {
      expect.fail('docs/config-reference.md is out of date with the config schema: run `npm run docs:config` and commit the result');
    }
  });

  it('lists every key with its type, default and environment variable', () => {
    const text = renderConfigReference();
    for (const field of configFields) {
      expect(text).toContain(`| \`${field.key}\` | \``);
      expect(text).toContain(`\`${field.env}\``);
      expect(text).toContain(field.description);
    }
  });

  it('changes when the schema changes, so a stale file is caught', () => {
    const changed = configFields.map((field) => (field.key === 'request_timeout' ? { ...field, defaultText: '45s' } : field));
    expect(renderConfigReference(changed)).not.toBe(renderConfigReference());
  });

  it('shows a config file of defaults that the schema accepts and that equals the defaults', () => {
    const block = /## A config file with every default\n\n```json\n([\s\S]*?)\n```/.exec(renderConfigReference());
    expect(block).not.toBeNull();
    const parsed = parseConfig(JSON.parse(block![1]!));
    for (const field of configFields) {
      if (field.default !== undefined) expect(parsed[field.key]).toEqual(field.default);
    }
  });
});
