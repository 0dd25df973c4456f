/**
 * `@labbook/tfjs`: TensorFlow.js integration for labbook — a `model.fit` callback and `autolog()`,
 * logging what MLflow's TensorFlow/Keras autolog logs under the same names, and the `tfjs` model
 * flavor (`saveModel` / `logModel` / `loadModel` of TF.js layers and graph models).
 * @packageDocumentation
 */
export { autolog, isAutologEnabled, type AutologOptions } from './autolog.js';
export {
  AUTOLOGGING_TAG,
  FLAVOR_NAME,
  LabbookCallback,
  labbookCallback,
  type LabbookCallbackOptions,
  type TrainedModelLogger,
} from './labbook-callback.js';
export { fitDatasetParams, fitParams, optimizerParams, earlyStoppingParams, toSnakeCase } from './fit-params.js';
export { modelSummaryText } from './model-summary.js';
export { tfjsFlavor, readTfjsArtifacts, saveTfjsModel, type TfjsModelFormat, type TfjsSavable } from './tfjs-flavor.js';
export { PLUGIN_NAME, TFJS_FLAVOR, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './constants.js';
export { default as tfjsPlugin } from './plugin.js';
