/**
 * Generates docs/config-reference.md from `configFields` of @session-engine/config,
 * so the reference cannot drift from the zod schema (defaults, descriptions, env names).
 *
 *   npm run docs:config          # builds @session-engine/config, rewrites the file
 *   node tools/workspace-checks/src/gen-config-docs.mjs --check   # exit 1 if the file is stale
 *
 * Plain Node resolves the package to its build; vitest resolves it to the sources
 * (the "@session-engine/source" condition), so the check test needs no build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFields } from '@session-engine/config';

export const CONFIG_REFERENCE_PATH = fileURLToPath(new URL('../../../docs/config-reference.md', import.meta.url));

/** Table cells: a pipe would end the cell, a newline the row. */
function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The value a config file would hold for a field's default; `undefined` = omitted (workers). */
function fileDefault(field) {
  if (field.default === undefined) return undefined;
  // Durations are written with a unit in files; "0" is zero.
  if (field.kind === 'duration') return field.defaultText;
  return field.default;
}

/**
 * Renders the whole Markdown document.
 * @param {readonly import('@session-engine/config').ConfigField[]} fields
 * @returns {string}
 */
export function renderConfigReference(fields = configFields) {
  const defaults = {};
  for (const field of fields) {
    const value = fileDefault(field);
    if (value !== undefined) defaults[field.key] = value;
  }
  const lines = [
    '<!-- Generated from configFields of @session-engine/config by tools/workspace-checks/src/gen-config-docs.mjs. Do not edit: change the schema, then run `npm run docs:config`. -->',
    '',
    '# Configuration reference',
    '',
    'Every key of the engine configuration, generated from the zod schema of',
    '[`@session-engine/config`](../packages/config/README.md) (its defaults and descriptions), so it',
    'cannot drift from what the engine accepts. Keys are snake_case, as in the JSON config file',
    '(`engine run -c <file>`); unknown keys are rejected with a suggestion. The flags that set a key',
    'are listed in the [CLI reference](cli.md).',
    '',
    '## Keys',
    '',
    '| key | type | default | environment variable | description |',
    '| --- | --- | --- | --- | --- |',
    ...fields.map(
      (field) =>
        `| \`${field.key}\` | \`${cell(field.type)}\` | \`${cell(field.defaultText)}\` | \`${field.env}\` | ${cell(field.description)} |`,
    ),
    '',
    'A `Stage` is `{ "duration": <duration>, "target": <number> }`. A `ScenarioStep` is described, key by',
    'key, in the [scenario guide](scenarios.md#step-keys).',
    '',
    '## A config file with every default',
    '',
    '```json',
    JSON.stringify(defaults, null, 2),
    '```',
    '',
    '`workers` is left out: it defaults to `number_of_sessions`, from whichever layer set that.',
    '',
    '## Durations',
    '',
    'In the parsed configuration and every API, durations are **milliseconds**. Where you write them',
    '(file, environment, `overrides`) they take one of two forms:',
    '',
    '| written as | means | examples |',
    '| --- | --- | --- |',
    '| a string with units | `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`; parts combine and may be fractional | `"250ms"`, `"30s"`, `"1.5s"`, `"1m30s"`, `"2h"` |',
    "| a JSON number | **nanoseconds**, as the Go engine's `time.Duration` (its config files work unchanged) | `30000000000` = 30 s |",
    '',
    '`"0"` and `0` mean zero (for `duration`: no time limit). A string without a unit (`"30"`) is rejected,',
    'and so is a non-zero number below 1 ms (`5000` is 5 µs, almost surely meant as 5000 ms): the message',
    'says what to write instead. The longest duration is `596h31m23.647s` (2³¹−1 ms, the longest a',
    'Node.js timer waits). **Flags** (`--duration`, `--timeout`, `--graceful-stop`) also accept a bare number, read as',
    'seconds: `-d 30` is `-d 30s`.',
    '',
    '## Where values come from',
    '',
    'Lowest to highest; a higher layer replaces a key whole:',
    '',
    '1. **Defaults**: the table above.',
    '2. **Config file** (`-c, --config <file>`): one JSON object, strict JSON (no comments, no trailing',
    '   commas). Errors point at `file:line:column`.',
    '3. **Environment**: `SESSION_ENGINE_<KEY>` for every key, e.g. `SESSION_ENGINE_NUMBER_OF_SESSIONS=100`.',
    '   Numbers and booleans (`true/false/1/0/yes/no/on/off`) as text, durations as `30s` (digits alone',
    '   are nanoseconds), `headers`, `stages` and `scenario` as JSON',
    '   (`SESSION_ENGINE_HEADERS=\'{"x-team":"blue"}\'`). An unknown `SESSION_ENGINE_*` variable is an error',
    '   with a suggestion, so a typo is never ignored silently.',
    '4. **Flags** of `engine run` (or `overrides` of `loadConfig()` in code).',
    '',
    'One exception to "replaces whole": `headers` merge by (case-insensitive) name across layers, so',
    '`-H "x-run: 7"` adds a header to those of the file instead of replacing them. The merged result',
    'is validated once, and every problem of every layer is reported together, each attributed to',
    'where it was set (file position, variable name, or flag).',
    '',
    'The effective configuration is in the `config` field of the [JSON report](user-guide.md#the-json-report),',
    'with secrets replaced by `[REDACTED]`: the values of credential headers (`authorization`,',
    '`proxy-authorization`, `cookie`, `set-cookie`, and any name containing `token`, `secret`, `password`,',
    '`api-key`, `apikey` or `api_key`), request bodies (`body`, scenario `body` and `json`), and URL credentials.',
    '',
  ];
  return lines.join('\n');
}

function main(argv) {
  const expected = renderConfigReference();
  if (argv.includes('--check')) {
    let actual = '';
    try {
      actual = readFileSync(CONFIG_REFERENCE_PATH, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (actual !== expected) {
      console.error('docs/config-reference.md is out of date with the config schema; run `npm run docs:config`');
      return 1;
    }
    return 0;
  }
  writeFileSync(CONFIG_REFERENCE_PATH, expected);
  console.error(`wrote ${CONFIG_REFERENCE_PATH}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
