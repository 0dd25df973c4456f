import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import {
  type FlavorConfig,
  type FlavorLoadContext,
  type Frame,
  flattenNested,
  invalidParameter,
  isFrame,
  isInside,
  isTensor,
  type LoadedModel,
  type ModelFlavor,
  notFound,
  type Tensor,
  type TensorDType,
  toFrame,
} from '@labbook/core';
import * as tf from '@tensorflow/tfjs';
import { TFJS_FLAVOR, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './constants.js';

/**
 * What the tfjs flavor saves: a TF.js `LayersModel` (`tf.sequential()`, `tf.model()`,
 * `tf.loadLayersModel`) or a `GraphModel` (`tf.loadGraphModel`, a converted SavedModel).
 * Only `save(handler)` is used, so models made with another copy of TF.js (tfjs-node) work too.
 */
export interface TfjsSavable {
  save(handler: tf.io.IOHandler, config?: tf.io.SaveConfig): Promise<tf.io.SaveResult>;
}

/** `model_format` in MLmodel: which TF.js loader reads `model.json` back. */
export type TfjsModelFormat = 'layers' | 'graph';

function formatOf(artifacts: tf.io.ModelArtifacts): TfjsModelFormat {
  if (artifacts.format === 'graph-model') return 'graph';
  if (artifacts.format === 'layers-model') return 'layers';
  // Older converters left `format` out; a GraphDef topology has `node`, a Keras one `class_name`.
  const topology = artifacts.modelTopology as { node?: unknown } | undefined;
  return topology && typeof topology === 'object' && Array.isArray(topology.node) ? 'graph' : 'layers';
}

function joinWeights(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** A weights path from model.json must stay inside the model folder (it came from a file). */
function weightsPath(dir: string, path: string): string {
  const full = normalize(join(dir, path));
  if (!isInside(dir, full)) throw invalidParameter(`model.json names a weights file outside the model folder: '${path}'.`);
  return full;
}

/** Reads `model.json` and its weight shards (a tfjs-node `file://` load handler, without tfjs-node). */
export async function readTfjsArtifacts(file: string): Promise<tf.io.ModelArtifacts> {
  if (!existsSync(file))
    throw notFound(
      `The TF.js model file ${file} named by the tfjs flavor in MLmodel is missing: the model folder is incomplete; download or save it again.`,
    );
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    throw invalidParameter(`${file} is not valid JSON: ${(error as Error).message}. Save the model again.`, { cause: error });
  }
  if (!json || typeof json !== 'object' || json.modelTopology === undefined) {
    throw invalidParameter(`${file} has no modelTopology: it is not a TF.js model.json.`);
  }
  const dir = dirname(file);
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) {
        const full = weightsPath(dir, path);
        if (!existsSync(full))
          throw notFound(
            `The weights file ${full} listed in ${file} is missing: the model folder is incomplete; download or save it again.`,
          );
        const bytes = await readFile(full);
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, buffers];
  });
}

// tfjs-core's getModelJSONForModelArtifacts is not exported from tf.io: the same fields, by hand.
function modelJson(a: tf.io.ModelArtifacts, weightsManifest: tf.io.WeightsManifestConfig): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = { modelTopology: a.modelTopology as object, weightsManifest };
  if (a.format !== undefined) json.format = a.format;
  if (a.generatedBy !== undefined) json.generatedBy = a.generatedBy;
  if (a.convertedBy !== undefined) json.convertedBy = a.convertedBy;
  if (a.signature !== undefined) json.signature = a.signature;
  if (a.userDefinedMetadata !== undefined) json.userDefinedMetadata = a.userDefinedMetadata;
  if (a.modelInitializer !== undefined) json.modelInitializer = a.modelInitializer;
  if (a.initializerSignature !== undefined) json.initializerSignature = a.initializerSignature;
  if (a.trainingConfig !== undefined) json.trainingConfig = a.trainingConfig;
  return json;
}

/** Writes a TF.js model as `model.json` + one weights shard (what tfjs-node's `file://` handler writes). */
export async function saveTfjsModel(model: TfjsSavable, dir: string, config: tf.io.SaveConfig = {}): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  const handler: tf.io.IOHandler = {
    async save(artifacts) {
      saved = artifacts;
      const weights = joinWeights(artifacts.weightData);
      const manifest: tf.io.WeightsManifestConfig = [
        { paths: artifacts.weightSpecs?.length ? [TFJS_WEIGHTS_FILE] : [], weights: artifacts.weightSpecs ?? [] },
      ];
      const json = modelJson(artifacts, manifest);
      await writeFile(join(dir, TFJS_MODEL_FILE), JSON.stringify(json), 'utf8');
      if (artifacts.weightSpecs?.length) await writeFile(join(dir, TFJS_WEIGHTS_FILE), weights);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
  await model.save(handler, config);
  if (!saved) throw invalidParameter('The TF.js model did not hand its artifacts to the save handler.');
  return saved;
}

// TF.js tensors hold float32, int32, bool and string: wider or narrower numpy types are converted.
function tfDtypeFor(dtype: TensorDType): tf.DataType {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return 'float32';
    case 'bool':
      return 'bool';
    case 'str':
      return 'string';
    case 'object':
      throw invalidParameter("A TF.js model cannot take an 'object' tensor: pass numbers, booleans or strings.");
    default:
      return 'int32';
  }
}

function toTf(t: Tensor): tf.Tensor {
  const dtype = tfDtypeFor(t.dtype);
  const values = t.data as ArrayLike<unknown>;
  let data: tf.TensorLike;
  if (dtype === 'float32') data = t.data instanceof Float32Array ? t.data : Float32Array.from(values as ArrayLike<number>);
  else if (dtype === 'int32')
    data = t.data instanceof Int32Array ? t.data : Int32Array.from(values as ArrayLike<number | bigint>, (v) => Number(v));
  else if (dtype === 'bool') data = Array.from(values, Boolean);
  else data = Array.from(values, String);
  return tf.tensor(data, [...t.shape], dtype);
}

const FROM_TF: Partial<Record<tf.DataType, TensorDType>> = { float32: 'float32', int32: 'int32', bool: 'bool', string: 'str' };

async function fromTf(t: tf.Tensor): Promise<Tensor> {
  const dtype = FROM_TF[t.dtype];
  if (!dtype) throw invalidParameter(`The model returned a ${t.dtype} tensor, which labbook cannot represent.`);
  const raw = await t.data();
  let data: Tensor['data'];
  if (dtype === 'bool') data = Array.from(raw as Uint8Array, (v) => v !== 0);
  else if (dtype === 'str')
    data = Array.from(raw as unknown as ArrayLike<unknown>, (v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)));
  else data = raw as Float32Array | Int32Array;
  return { kind: 'tensor', dtype, shape: [...t.shape], data };
}

/** Plain values (no signature to enforce): nested arrays and typed arrays become float32. */
function plainToTf(value: unknown, name: string): tf.Tensor {
  if (value instanceof tf.Tensor) return value;
  if (isTensor(value)) return toTf(value);
  if (ArrayBuffer.isView(value)) return tf.tensor(value as Float32Array);
  if (Array.isArray(value)) {
    const { data, shape } = flattenNested(value);
    return tf.tensor(data as number[], shape, data.every((v) => typeof v === 'boolean') ? 'bool' : 'float32');
  }
  throw invalidParameter(`Input '${name}' must be a tensor (a Tensor, a typed array or nested arrays); got ${typeof value}.`, {
    field: name,
  });
}

function frameToRows(f: Frame, columns: readonly string[]): tf.Tensor {
  const rows = Array.from({ length: f.length }, (_, i) =>
    columns.flatMap((c) => {
      const v = f.data[c]![i];
      return Array.isArray(v) ? (flattenNested(v).data as number[]) : [Number(v)];
    }),
  );
  const width = rows[0]?.length ?? columns.length;
  return tf.tensor2d(rows.flat(), [f.length, width], 'float32');
}

interface Adapter {
  inputNames: string[];
  outputNames: string[];
  run(inputs: tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

function layersAdapter(model: tf.LayersModel): Adapter {
  return {
    inputNames: model.inputNames,
    outputNames: model.outputNames,
    run: (inputs) => {
      const out = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
      return Array.isArray(out) ? out : [out];
    },
    dispose: () => model.dispose(),
  };
}

function graphAdapter(model: tf.GraphModel): Adapter {
  const inputNames = model.inputs.map((i) => i.name);
  const outputNames = model.outputs.map((o) => o.name);
  return {
    inputNames,
    outputNames,
    run: (inputs) => {
      const feed: tf.NamedTensorMap = Object.fromEntries(inputNames.map((n, i) => [n, inputs[i]!]));
      const out = model.execute(feed, outputNames);
      return Array.isArray(out) ? out : [out];
    },
    dispose: () => model.dispose(),
  };
}

/** Maps core's enforced input (or plain values) onto the model's inputs, in the model's order. */
function buildInputs(input: unknown, names: readonly string[]): { tensors: tf.Tensor[]; frame: boolean } {
  const many = names.length > 1;
  if (
    !isFrame(input) &&
    Array.isArray(input) &&
    input.length > 0 &&
    input.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
  ) {
    return buildInputs(toFrame(input)!, names);
  }
  if (isFrame(input)) {
    if (!many) return { tensors: [frameToRows(input, input.columns)], frame: true };
    const tensors = names.map((n) => {
      if (!input.data[n])
        throw invalidParameter(
          `The model has inputs ${names.map((i) => `'${i}'`).join(', ')}: a DataFrame input needs a column named '${n}'.`,
          { field: n },
        );
      return frameToRows(input, [n]);
    });
    return { tensors, frame: true };
  }
  if (input instanceof tf.Tensor || isTensor(input) || ArrayBuffer.isView(input) || Array.isArray(input)) {
    if (many) {
      throw invalidParameter(
        `This TF.js model has ${names.length} inputs (${names.map((n) => `'${n}'`).join(', ')}): pass an object mapping each input name to a tensor.`,
      );
    }
    return { tensors: [plainToTf(input, names[0] ?? 'input')], frame: false };
  }
  if (typeof input === 'object' && input !== null) {
    const dict = input as Record<string, unknown>;
    const keys = Object.keys(dict);
    // A signature names inputs as the user chose; with one input any single name maps onto it.
    if (!many && keys.length === 1) return { tensors: [plainToTf(dict[keys[0]!], keys[0]!)], frame: false };
    if (names.every((n) => n in dict)) return { tensors: names.map((n) => plainToTf(dict[n], n)), frame: false };
    if (keys.length === names.length) {
      // Signature names differ from TF.js's generated layer names: take them in signature order.
      return { tensors: keys.map((k) => plainToTf(dict[k], k)), frame: false };
    }
    const f = toFrame(input);
    if (f) return buildInputs(f, names);
  }
  throw invalidParameter(
    `Unsupported input for a tfjs model: pass a Tensor, an object of tensors by input name (${names.join(', ')}), or records.`,
  );
}

/** Columns as MLflow's Keras pyfunc wrapper returns them: `pd.DataFrame(predictions)` numbers them 0, 1, … */
function toOutputFrame(outputs: Tensor[], names: readonly string[]): Frame {
  const data: Record<string, unknown[]> = {};
  if (outputs.length === 1) {
    const t = outputs[0]!;
    const rows = t.shape[0] ?? 1;
    const width = rows === 0 ? 0 : t.data.length / rows;
    const values = t.data as ArrayLike<unknown>;
    for (let c = 0; c < width; c++) data[String(c)] = Array.from({ length: rows }, (_, r) => values[r * width + c]);
  } else {
    outputs.forEach((t, i) => {
      const rows = t.shape[0] ?? 1;
      const width = rows === 0 ? 0 : t.data.length / rows;
      const values = Array.from(t.data as ArrayLike<unknown>);
      data[names[i] ?? String(i)] = width === 1 ? values : Array.from({ length: rows }, (_, r) => values.slice(r * width, (r + 1) * width));
    });
  }
  const columns = Object.keys(data);
  const length = Math.max(0, ...columns.map((c) => data[c]!.length));
  return { kind: 'frame', columns, data, length };
}

/**
 * labbook's `tfjs` flavor (MLflow has none: its `tensorflow` flavor is SavedModel/Keras for Python).
 * Files: TF.js's own `model.json` + `weights.bin`, as tfjs-node's `file://` handler writes them, so
 * `tf.loadLayersModel('file://…/model.json')` / `tf.loadGraphModel` read the folder directly. MLmodel
 * keys: `data` (`model.json`), `model_format` (`layers` | `graph`: which loader), `tfjs_version`
 * (the TF.js that saved it), `code` (`null`). No `python_function` entry: Python MLflow cannot run it.
 */
export const tfjsFlavor: ModelFlavor<TfjsSavable> = {
  name: TFJS_FLAVOR,

  async save(model, dir, options) {
    if (!model || typeof (model as { save?: unknown }).save !== 'function') {
      throw invalidParameter('The tfjs flavor saves a TF.js LayersModel or GraphModel (an object with save(handler)).', { field: 'model' });
    }
    const artifacts = await saveTfjsModel(model, dir, { includeOptimizer: options.includeOptimizer === true });
    return {
      code: null,
      data: TFJS_MODEL_FILE,
      model_format: formatOf(artifacts),
      tfjs_version: typeof options.tfjsVersion === 'string' ? options.tfjsVersion : tf.version.tfjs,
    };
  },

  async load(dir: string, config: FlavorConfig, _context: FlavorLoadContext): Promise<LoadedModel> {
    const file = join(dir, typeof config.data === 'string' ? config.data : TFJS_MODEL_FILE);
    const artifacts = await readTfjsArtifacts(file);
    const format: TfjsModelFormat =
      config.model_format === 'graph' || config.model_format === 'layers' ? config.model_format : formatOf(artifacts);
    const handler = tf.io.fromMemory(artifacts);
    const adapter = format === 'graph' ? graphAdapter(await tf.loadGraphModel(handler)) : layersAdapter(await tf.loadLayersModel(handler));
    return {
      async predict(input) {
        const { tensors, frame } = buildInputs(input, adapter.inputNames);
        let outputs: tf.Tensor[] = [];
        try {
          outputs = adapter.run(tensors);
          const results = await Promise.all(outputs.map(fromTf));
          if (frame) return toOutputFrame(results, adapter.outputNames);
          if (results.length === 1) return results[0];
          return Object.fromEntries(results.map((r, i) => [adapter.outputNames[i] ?? String(i), r]));
        } finally {
          // Inputs the caller passed as tf tensors are theirs to dispose.
          for (const t of tensors)
            if (t !== input && !(typeof input === 'object' && input !== null && Object.values(input).includes(t))) t.dispose();
          for (const t of outputs) t.dispose();
        }
      },
      async close() {
        adapter.dispose();
      },
    };
  },
};
