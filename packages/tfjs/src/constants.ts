/** The package name, for messages. */
export const PLUGIN_NAME = '@labbook/tfjs';
/**
 * The flavor key under `flavors:` in MLmodel. MLflow has no TF.js flavor (its `tensorflow` flavor
 * holds SavedModel / Keras files Python loads), so this is labbook's own, named after the library.
 */
export const TFJS_FLAVOR = 'tfjs';
/** TF.js's own model file, as `tfjs.converters` and tfjs-node's `file://` handler name it. */
export const TFJS_MODEL_FILE = 'model.json';
/** The one weights shard written, named as tfjs-node's `file://` save handler names it. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';
