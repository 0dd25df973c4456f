import { defineConfig } from 'vitest/config';

// Cross-package tests run against the built packages (dist), as a user would get them.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'bench/**'],
    testTimeout: 60000,
    hookTimeout: 120000,
    fileParallelism: false,
  },
});
