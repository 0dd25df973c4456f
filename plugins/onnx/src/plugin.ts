import { definePlugin } from '@labbook/core/plugin';
import { ONNX_FLAVOR, PLUGIN_NAME } from './constants.js';

/** The `onnx` model flavor; onnxruntime-node is imported only when an onnx model is loaded. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  modelFlavors: {
    [ONNX_FLAVOR]: async () => (await import('./onnx-flavor.js')).onnxFlavor,
  },
});
