import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Workspace packages resolved to their sources in tests, so a package's tests never wait for (or race
 * with) another package's build. Tests of the built output live in `test/` and import `dist`.
 */
export const sourceAliases: Record<string, string> = {
  // Before `@labbook/core`: aliases match by prefix, in order.
  '@labbook/core/plugin': `${root}packages/core/src/plugin.ts`,
  '@labbook/core': `${root}packages/core/src/index.ts`,
  '@labbook/testkit': `${root}packages/testkit/src/index.ts`,
  '@labbook/sql': `${root}packages/sql/src/index.ts`,
};

/** The vitest config every package shares. */
export function packageTestConfig(extra: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30000, hookTimeout: 60000, ...extra },
  });
}
