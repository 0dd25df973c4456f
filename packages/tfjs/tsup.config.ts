import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// TensorFlow.js stays external: the user's own copy must be the one patched.
export default defineConfig(baseConfig(['src/index.ts'], { external: ['@tensorflow/tfjs', '@labbook/core'] }));
