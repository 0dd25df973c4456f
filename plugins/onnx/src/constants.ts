/** The package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-onnx';
/** The flavor key under `flavors:` in MLmodel, as MLflow writes it. */
export const ONNX_FLAVOR = 'onnx';
/** The file the model is stored in, as `mlflow.onnx.save_model` names it. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** MLflow's default `providers`. */
export const DEFAULT_PROVIDERS = ['CUDAExecutionProvider', 'CPUExecutionProvider'];
