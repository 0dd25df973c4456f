import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

const entries = ['src/index.ts', 'src/plugin.ts'];

// Two entries (`@labbook/core` and `@labbook/core/plugin`). ESM is split so both share one copy of
// their common code (one plugin registry, one set of classes). CJS is not: tsup's CJS splitting turns
// `import()` into `require()`, which cannot load the ES-module plugins core discovers. The build
// script empties dist first: the two configs run at once, so neither may clean.
export default defineConfig([
  baseConfig(entries, { format: ['esm'], splitting: true, clean: false }),
  baseConfig(entries, { format: ['cjs'], splitting: false, clean: false }),
]);
