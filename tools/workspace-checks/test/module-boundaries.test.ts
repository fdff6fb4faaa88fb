import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * Proves the layering rule in eslint.config.mjs bites: these tests lint code
 * as if it lived inside a package and fail if the rule is removed or loosened.
 */
const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: workspaceRoot });

async function boundaryErrors(project: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, {
    filePath: `${workspaceRoot}${project}/src/layering-fixture.ts`,
  });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('module boundaries', () => {
  it('rejects a foundation package importing the session layer', async () => {
    const errors = await boundaryErrors(
      'packages/logger',
      "import { SessionError } from '@session-engine/session';\nexport const leak = SessionError;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/@nx\/enforce-module-boundaries: A project tagged with "layer:foundation" can only depend on libs tagged with "layer:foundation"/);
  });

  // worker-pool -> session: the scheduler is no fixture here, as it depends on worker-pool
  // (tests), so that import would be reported as a circular dependency instead.
  it('rejects the transport layer importing the session layer', async () => {
    const errors = await boundaryErrors(
      'packages/worker-pool',
      "import { SessionError } from '@session-engine/session';\nexport const leak = SessionError;\n",
    );
    expect(errors.join('\n')).toMatch(/layer:transport/);
  });

  it('rejects a library importing an app', async () => {
    const errors = await boundaryErrors(
      'packages/scheduler',
      "import { startTargetServer } from '@session-engine/target-server';\nexport const leak = startTargetServer;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects the runner importing an app (the demo target server belongs to the CLI)', async () => {
    const errors = await boundaryErrors(
      'packages/runner',
      "import { startTargetServer } from '@session-engine/target-server';\nexport const leak = startTargetServer;\n",
    );
    expect(errors.join('\n')).toMatch(/layer:runner|type:lib/);
  });

  // Every library below the runner is also its dependency, so the rule reports the cycle first.
  it('rejects the orchestration layer importing the runner above it', async () => {
    const errors = await boundaryErrors(
      'packages/scheduler',
      "import { run } from '@session-engine/runner';\nexport const leak = run;\n",
    );
    expect(errors.join('\n')).toMatch(/layer:orchestration|Circular dependency between "@session-engine\/scheduler" and "@session-engine\/runner"/);
  });

  it('allows the runner to import the layers below it', async () => {
    const errors = await boundaryErrors(
      'packages/runner',
      "import { Scheduler } from '@session-engine/scheduler';\nimport { Metrics } from '@session-engine/metrics';\nexport const ok = [Scheduler, Metrics];\n",
    );
    expect(errors).toEqual([]);
  });

  it('rejects deep imports into another package', async () => {
    const errors = await boundaryErrors(
      'packages/session',
      "import { ProxyError } from '@session-engine/proxy/src/errors.js';\nexport const leak = ProxyError;\n",
    );
    expect(errors.join('\n')).toMatch(/Import the package by name/);
  });

  it('allows a higher layer to import a lower one', async () => {
    const errors = await boundaryErrors(
      'packages/session',
      "import { LoggerError } from '@session-engine/logger';\nimport { ProxyError } from '@session-engine/proxy';\nexport const ok = [LoggerError, ProxyError];\n",
    );
    expect(errors).toEqual([]);
  });

  it('allows apps to import libraries', async () => {
    const errors = await boundaryErrors(
      'apps/cli',
      "import { run } from '@session-engine/runner';\nexport const ok = run;\n",
    );
    expect(errors).toEqual([]);
  });
});
