import nx from '@nx/eslint-plugin';

/**
 * Layering, bottom to top. A project may import its own layer's peers and any
 * layer below it, never one above; libraries never import apps.
 *
 *   foundation (config, logger, metrics, redact, failures)
 *   <- transport (proxy, client-factory, worker-pool)
 *   <- session (session, state-store) <- orchestration (scheduler) <- runner (the engine as a library)
 *   <- app (cli, target-server)
 */
const foundation = ['layer:foundation'];
const transport = [...foundation, 'layer:transport'];
const session = [...transport, 'layer:session'];
const orchestration = [...session, 'layer:orchestration'];
const runner = [...orchestration, 'layer:runner'];

/** The layering rule's options; `allow` lists packages the rule lets through (test helpers, in tests only). */
const moduleBoundaries = (allow) => ({
  enforceBuildableLibDependency: true,
  allow,
  depConstraints: [
    { sourceTag: 'layer:foundation', onlyDependOnLibsWithTags: foundation },
    { sourceTag: 'layer:transport', onlyDependOnLibsWithTags: transport },
    { sourceTag: 'layer:session', onlyDependOnLibsWithTags: session },
    { sourceTag: 'layer:orchestration', onlyDependOnLibsWithTags: orchestration },
    { sourceTag: 'layer:runner', onlyDependOnLibsWithTags: runner },
    { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:tool'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
  ],
});

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/coverage', '**/.nx', '**/tmp'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries([])],
      // Another package is reached through its name and public exports only.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@session-engine/*/*'],
              message: 'Import the package by name (e.g. "@session-engine/config"); its internals are private.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the shared test helpers (real redis-server, a listener that never accepts);
    // library code may not (the rule above still applies to src/).
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['@session-engine/test-support'])] },
  },
  {
    // Per-project vitest configs re-export the one shared workspace preset.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // With noUncheckedIndexedAccess, `!` after a bounds check is the clear idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
