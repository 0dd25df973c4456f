import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { alreadyExists, invalidParameter } from '../errors.js';
import type { ModelFlavor } from '../interfaces/model-flavor.js';
import { defaultPluginRegistry } from '../plugins/default-registry.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { flavorForSave } from './flavor-lookup.js';
import { inferSchema } from './infer-signature.js';
import { saveInputExample } from './input-example.js';
import { formatUtcTimeCreated, LABBOOK_VERSION, type MLmodel, writeMLmodel } from './mlmodel.js';
import { checkSchema } from './schema.js';
import { type ModelSignature, signatureToDict } from './signature.js';

/** Options of {@link saveModel}. */
export interface SaveModelOptions<TModel = unknown> {
  /** The flavor name (`js_function`, `onnx`) or a flavor object. */
  flavor: string | ModelFlavor<TModel>;
  /** The model, as the flavor takes it (js_function: a module path; onnx: a .onnx path or bytes). */
  model: TModel;
  /**
   * The signature. Absent with an `inputExample`: the input schema is inferred from the example
   * (outputs are not, no prediction is run). `false`: no signature.
   */
  signature?: ModelSignature | false;
  /** An example input (or `{ input, params }`), saved as MLflow 3.x saves it. */
  inputExample?: unknown;
  /** Free-form metadata written under `metadata:`. */
  metadata?: Record<string, unknown>;
  /** Options for the flavor (`providers`, `sessionOptions` for onnx…). */
  flavorOptions?: Record<string, unknown>;
  /** Set by `logModel`: the run and the run-relative path (3.x: the model's artifact location) written into MLmodel. */
  runId?: string;
  artifactPath?: string;
  /** Set by `logModel` for MLflow 3: the logged model's id, written as `model_id` and as `model_uuid`. */
  modelId?: string;
  /** Plugins to find the flavor with (default: the process-wide registry). */
  plugins?: PluginRegistry;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/**
 * Writes a model folder as MLflow does: the flavor's files, `input_example.json` and
 * `serving_input_example.json` when an example is given, and the `MLmodel` file (with
 * `model_size_bytes` counted before it is written). The folder must not exist or be empty, as in
 * MLflow. Returns the MLmodel written.
 *
 * ```ts
 * await saveModel('out/model', { flavor: 'js_function', model: './predict.mjs', inputExample: [{ x: 1 }] });
 * ```
 */
export async function saveModel<TModel>(path: string, options: SaveModelOptions<TModel>): Promise<MLmodel> {
  const dir = resolve(path);
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) {
    throw alreadyExists(`Path '${path}' already exists and is not empty: save the model into a new folder, or delete this one first.`, {
      field: 'path',
    });
  }
  const plugins = options.plugins ?? defaultPluginRegistry;
  const flavor = typeof options.flavor === 'string' ? await flavorForSave(plugins, options.flavor) : options.flavor;
  if (!flavor || typeof flavor.save !== 'function')
    throw invalidParameter('flavor must be a flavor name or a ModelFlavor object.', { field: 'flavor' });
  await mkdir(dir, { recursive: true });

  let signature: ModelSignature | undefined;
  if (options.signature) {
    signature = options.signature;
    if (signature.inputs) checkSchema(signature.inputs, 'signature inputs');
    if (signature.outputs) checkSchema(signature.outputs, 'signature outputs');
  } else if (options.signature === undefined && options.inputExample !== undefined) {
    const ex = options.inputExample as { input?: unknown; params?: unknown };
    const isPair = typeof ex === 'object' && ex !== null && 'input' in ex && 'params' in ex && Object.keys(ex).length === 2;
    signature = { inputs: inferSchema(isPair ? ex.input : options.inputExample) };
  }

  const mlmodel: MLmodel = {
    flavors: {},
    // MLflow 3's log_model makes the uuid the model id, so both name the same LoggedModel.
    model_uuid: options.modelId ?? randomUUID().replaceAll('-', ''),
    utc_time_created: formatUtcTimeCreated(),
    labbook_version: LABBOOK_VERSION,
  };
  if (options.artifactPath !== undefined) mlmodel.artifact_path = options.artifactPath;
  if (options.runId !== undefined) mlmodel.run_id = options.runId;
  if (options.modelId !== undefined) mlmodel.model_id = options.modelId;
  if (options.inputExample !== undefined) mlmodel.saved_input_example_info = await saveInputExample(dir, options.inputExample);

  const flavorOptions = {
    ...(options.flavorOptions ?? {}),
    ...(signature ? { signature } : {}),
    ...(options.inputExample !== undefined ? { inputExample: options.inputExample } : {}),
  };
  const config = await flavor.save(options.model, dir, flavorOptions);
  mlmodel.flavors[flavor.name] = config;
  for (const [name, conf] of Object.entries(flavor.companionFlavors?.(config, flavorOptions) ?? {})) mlmodel.flavors[name] = conf;

  mlmodel.model_size_bytes = await folderSize(dir);
  if (signature) mlmodel.signature = signatureToDict(signature);
  if (options.metadata) mlmodel.metadata = options.metadata;
  await writeMLmodel(dir, mlmodel);
  return mlmodel;
}
