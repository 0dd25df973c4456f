import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// TF.js stays external: the user's own copy must be the one patched (and the one that loads models).
export default defineConfig(baseConfig(['src/index.ts', 'src/plugin.ts'], { external: ['@tensorflow/tfjs', '@labbook/core'] }));
