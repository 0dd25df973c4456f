import { defineConfig } from 'vitest/config';

// Relative asset URLs: the server may host the UI under any static prefix (`/mlflow/`).
export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', chunkSizeWarningLimit: 400 },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
