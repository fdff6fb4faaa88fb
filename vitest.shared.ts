import { defineConfig } from 'vitest/config';

/**
 * Shared vitest setup for every project. Tests read sibling packages from
 * their TypeScript sources (the "@session-engine/source" export condition),
 * so a unit test never needs a prior build.
 */
export default defineConfig({
  resolve: { conditions: ['@session-engine/source'] },
  ssr: { resolve: { conditions: ['@session-engine/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    restoreMocks: true,
  },
});
