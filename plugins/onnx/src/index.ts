/**
 * `@labbook/plugin-onnx`: MLflow's `onnx` model flavor for labbook, run with onnxruntime-node.
 * @packageDocumentation
 */
export { onnxFlavor, type OnnxModelInput } from './onnx-flavor.js';
export { ONNX_FLAVOR, ONNX_MODEL_FILE, DEFAULT_PROVIDERS, PLUGIN_NAME } from './constants.js';
export { validateSessionOptions, toOrtSessionOptions, toOrtProviders } from './session-options.js';
export { default as onnxPlugin } from './plugin.js';
