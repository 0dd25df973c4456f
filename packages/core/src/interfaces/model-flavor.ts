import type { FlavorConfig, MLmodel } from '../models/mlmodel.js';
import type { ModelSignature } from '../models/signature.js';

/** What `saveModel` passes a flavor besides the model and the folder. */
export interface FlavorSaveOptions {
  /** The signature that will be written into MLmodel, when there is one. */
  signature?: ModelSignature;
  /** The input example as given (already written to `input_example.json` by core). */
  inputExample?: unknown;
  /** Flavor-specific options (`providers`, `sessionOptions` for onnx; `artifacts` for js_function…). */
  [key: string]: unknown;
}

/** What a flavor's `load` gets: the model folder's MLmodel and where the model came from. */
export interface FlavorLoadContext {
  /** Absolute path of the (local) model folder. */
  modelDir: string;
  /** The whole MLmodel file, all flavors included. */
  mlmodel: MLmodel;
  /** The parsed signature, when MLmodel has one. Core enforces it before `predict` is called. */
  signature?: ModelSignature;
  /** The URI the model was loaded from (a path, `runs:/…`, `models:/…`). */
  uri: string;
}

/**
 * A model ready to predict, whatever its flavor. With a signature, core has already enforced it:
 * `input` is then a `Frame` (column schema), a `Tensor` or an object of `Tensor`s (tensor schema);
 * without one, `input` is what the caller passed. `params` were checked against the params schema.
 */
export interface LoadedModel {
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown>;
  /** Releases what `load` acquired (an inference session, worker threads). */
  close?(): Promise<void>;
}

/**
 * A model flavor: how one kind of model is written into a model folder and read back. Flavors are a
 * plugin kind (`definePlugin({ modelFlavors: { onnx: () => flavor } })`, announced in package.json as
 * `"labbook": { "flavors": ["onnx"] }`), imported only when a model of that flavor is saved or loaded.
 *
 * @typeParam TModel - what `saveModel` accepts for this flavor (an ONNX file's bytes, a module path…)
 */
export interface ModelFlavor<TModel = unknown> {
  /** The key under `flavors:` in MLmodel (`onnx`, `js_function`). */
  readonly name: string;
  /**
   * Writes the model's files into `dir` (which exists and is empty but for what core writes) and
   * returns this flavor's config, written under `flavors.<name>` in MLmodel.
   */
  save(model: TModel, dir: string, options: FlavorSaveOptions): Promise<FlavorConfig>;
  /**
   * Other flavors to write beside this one, e.g. a `python_function` entry so Python MLflow's
   * `mlflow.pyfunc.load_model` can load what labbook saved.
   */
  companionFlavors?(config: FlavorConfig, options: FlavorSaveOptions): Record<string, FlavorConfig>;
  /** Reads a model folder saved with this flavor (by labbook or by MLflow). */
  load(dir: string, config: FlavorConfig, context: FlavorLoadContext): Promise<LoadedModel>;
}
