import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// onnxruntime-node stays external: it is a native addon, imported only when an onnx model is used.
export default defineConfig(baseConfig(['src/index.ts', 'src/plugin.ts'], { external: ['@labbook/core', 'onnxruntime-node'] }));
