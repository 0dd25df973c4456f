/**
 * `@labbook/tfjs`: TensorFlow.js integration for labbook — a `model.fit` callback and `autolog()`,
 * logging what MLflow's TensorFlow/Keras autolog logs under the same names.
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
