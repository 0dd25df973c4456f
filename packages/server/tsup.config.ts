import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// scoring-worker is the entry node:cluster forks for `startScoringWorkers`; it is not imported.
export default defineConfig(baseConfig(['src/index.ts', 'src/scoring-worker.ts']));
