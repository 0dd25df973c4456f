import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// ESM only: vitest, which the suites run inside, cannot be required from CommonJS.
export default defineConfig(baseConfig(['src/index.ts'], { format: ['esm'], external: ['vitest', '@labbook/core'] }));
