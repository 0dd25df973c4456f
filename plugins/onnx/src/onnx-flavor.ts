import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type FlavorConfig,
  type FlavorLoadContext,
  type Frame,
  flattenNested,
  invalidParameter,
  isFrame,
  isTensor,
  type LoadedModel,
  nestedToTypedTensorData,
  type ModelFlavor,
  notFound,
  type Tensor,
  type TensorDType,
  tensor,
  toFrame,
  toTensorData,
} from '@labbook/core/plugin';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { DEFAULT_PROVIDERS, ONNX_FLAVOR, ONNX_MODEL_FILE } from './constants.js';
import { toOrtProviders, toOrtSessionOptions, validateSessionOptions } from './session-options.js';
import { fromOrtTensor, toOrtTensor } from './tensor-convert.js';

/** What the onnx flavor saves: the path of a `.onnx` file, or its bytes. */
export type OnnxModelInput = string | Uint8Array;

type OrtModule = typeof import('onnxruntime-node');

async function importOrt(): Promise<OrtModule> {
  try {
    return await import('onnxruntime-node');
  } catch (error) {
    throw invalidParameter(
      `onnxruntime-node could not be loaded (${(error as Error).message}). Install it (npm users: ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node) on a platform it ships binaries for (Linux x64/arm64, macOS, Windows).`,
      { cause: error },
    );
  }
}

const ORT_TO_DTYPE: Record<string, TensorDType> = {
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
  string: 'str',
};

interface InputInfo {
  name: string;
  dtype?: TensorDType;
}

function inputInfos(session: InferenceSession): InputInfo[] {
  const meta = (session as { inputMetadata?: readonly { name: string; isTensor: boolean; type?: string }[] }).inputMetadata;
  return session.inputNames.map((name, i) => {
    const m = meta?.[i];
    const dtype = m?.isTensor && m.type ? ORT_TO_DTYPE[m.type] : undefined;
    return dtype ? { name, dtype } : { name };
  });
}

/** Plain values (no signature was enforced) become tensors the way the graph input wants them. */
function asTensor(value: unknown, info: InputInfo): Tensor {
  if (isTensor(value)) return value;
  if (ArrayBuffer.isView(value)) return tensor(value as Float32Array);
  if (Array.isArray(value)) {
    const dtype = info.dtype ?? 'float32';
    // Straight into a typed array when every value fits; otherwise the slow path and its errors.
    const fast = nestedToTypedTensorData(value, dtype);
    if (fast) return { kind: 'tensor', dtype, shape: fast.shape, data: fast.data };
    const { data, shape } = flattenNested(value);
    return { kind: 'tensor', dtype, shape, data: toTensorData(data, dtype) };
  }
  throw invalidParameter(`Input '${info.name}' must be a tensor (a Tensor, a typed array or nested arrays); got ${typeof value}.`, {
    field: info.name,
  });
}

/** MLflow's onnx wrapper casts float64 to float32 for `tensor(float)` inputs; so do we. */
function castForGraph(t: Tensor, info: InputInfo): Tensor {
  if (info.dtype === 'float32' && t.dtype === 'float64') return { ...t, dtype: 'float32', data: Float32Array.from(t.data as Float64Array) };
  return t;
}

function frameFeed(f: Frame, inputs: InputInfo[]): Record<string, Tensor> {
  if (inputs.length === 1) {
    const info = inputs[0]!;
    const rows = Array.from({ length: f.length }, (_, i) => f.columns.map((c) => f.data[c]![i]));
    return { [info.name]: asTensor(rows, info) };
  }
  const feed: Record<string, Tensor> = {};
  for (const info of inputs) {
    const column = f.data[info.name];
    if (!column)
      throw invalidParameter(
        `The model has inputs ${inputs.map((i) => `'${i.name}'`).join(', ')}: a DataFrame input needs a column named '${info.name}'.`,
        { field: info.name },
      );
    const flat = column.flatMap((v) => (Array.isArray(v) ? flattenNested(v).data : [v]));
    const width = column.length === 0 ? 1 : flat.length / column.length;
    const dtype = info.dtype ?? 'float32';
    feed[info.name] = {
      kind: 'tensor',
      dtype,
      shape: width === 1 ? [column.length, 1] : [column.length, width],
      data: toTensorData(flat, dtype),
    };
  }
  return feed;
}

function buildFeed(input: unknown, inputs: InputInfo[]): { feed: Record<string, Tensor>; frame: boolean } {
  if (isFrame(input)) return { feed: frameFeed(input, inputs), frame: true };
  if (isTensor(input) || ArrayBuffer.isView(input) || Array.isArray(input)) {
    if (Array.isArray(input) && input.length > 0 && input.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      return { feed: frameFeed(toFrame(input)!, inputs), frame: true };
    }
    if (inputs.length !== 1) {
      throw invalidParameter(
        `Unable to map numpy array input to the expected model input. Numpy arrays can only be used as input for MLflow ONNX models that have a single input. This model requires ${inputs.length} inputs: ${inputs.map((i) => `'${i.name}'`).join(', ')}. Pass an object mapping each input name to a tensor.`,
      );
    }
    return { feed: { [inputs[0]!.name]: asTensor(input, inputs[0]!) }, frame: false };
  }
  if (typeof input === 'object' && input !== null) {
    const dict = input as Record<string, unknown>;
    const values = Object.values(dict);
    if (
      values.length > 0 &&
      values.every((v) => isTensor(v) || ArrayBuffer.isView(v) || Array.isArray(v)) &&
      inputs.every((i) => i.name in dict)
    ) {
      return { feed: Object.fromEntries(inputs.map((i) => [i.name, asTensor(dict[i.name], i)])), frame: false };
    }
    const f = toFrame(input);
    if (f) return { feed: frameFeed(f, inputs), frame: true };
  }
  throw invalidParameter(
    `Unsupported input for an onnx model: pass a Tensor, an object of tensors by input name (${inputs.map((i) => i.name).join(', ')}), or records.`,
  );
}

function toOutputFrame(outputs: Record<string, Tensor>): Frame {
  const data: Record<string, unknown[]> = {};
  for (const [name, t] of Object.entries(outputs))
    data[name] = Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  const names = Object.keys(data);
  const length = Math.max(0, ...names.map((n) => data[n]!.length));
  return { kind: 'frame', columns: names, data, length };
}

/** Creates the session as MLflow does: first without providers, then with them if that fails. */
async function createSession(ort: OrtModule, file: string, config: FlavorConfig): Promise<InferenceSession> {
  const options = toOrtSessionOptions(validateSessionOptions(config.onnx_session_options));
  try {
    return await ort.InferenceSession.create(file, options);
  } catch (first) {
    const providers = toOrtProviders(config.providers).filter((p) => p !== 'cuda' || process.platform === 'linux');
    if (providers.length === 0) throw first;
    try {
      return await ort.InferenceSession.create(file, { ...options, executionProviders: providers });
    } catch {
      throw invalidParameter(
        `onnxruntime could not load ${file}: ${(first as Error).message}. Check that the file is a valid ONNX model for onnxruntime 1.30.`,
        { cause: first },
      );
    }
  }
}

/**
 * MLflow's `onnx` flavor: `model.onnx` plus `onnx_version`, `providers`, `onnx_session_options` and
 * `code`, with a `python_function` entry (`loader_module: mlflow.onnx`) so Python MLflow loads it too.
 */
export const onnxFlavor: ModelFlavor<OnnxModelInput> = {
  name: ONNX_FLAVOR,

  async save(model, dir, options) {
    const target = join(dir, ONNX_MODEL_FILE);
    if (typeof model === 'string') {
      const source = resolve(model);
      if (!existsSync(source))
        throw notFound(`The ONNX file '${model}' does not exist: pass the path of a .onnx file or its bytes.`, { field: 'model' });
      await copyFile(source, target);
    } else if (model instanceof Uint8Array) {
      await writeFile(target, model);
    } else {
      throw invalidParameter('The onnx flavor saves a .onnx file path or the model bytes (Uint8Array).', { field: 'model' });
    }
    // Python users restore the environment from this; MLflow's onnx flavor lists the same packages.
    await writeFile(join(dir, 'requirements.txt'), 'mlflow\nonnx\nonnxruntime\n', 'utf8');
    return {
      code: null,
      data: ONNX_MODEL_FILE,
      onnx_session_options: validateSessionOptions(options.sessionOptions ?? options.onnx_session_options),
      onnx_version: typeof options.onnxVersion === 'string' ? options.onnxVersion : null,
      providers: Array.isArray(options.providers) ? options.providers : DEFAULT_PROVIDERS,
    };
  },

  companionFlavors(config) {
    return { python_function: { code: null, data: config.data ?? ONNX_MODEL_FILE, loader_module: 'mlflow.onnx' } };
  },

  async load(dir: string, config: FlavorConfig, _context: FlavorLoadContext): Promise<LoadedModel> {
    const file = join(dir, typeof config.data === 'string' ? config.data : ONNX_MODEL_FILE);
    if (!existsSync(file))
      throw notFound(
        `The ONNX file ${file} named by the onnx flavor in MLmodel is missing: the model folder is incomplete; download or save it again.`,
      );
    const ort = await importOrt();
    const session = await createSession(ort, file, config);
    const inputs = inputInfos(session);
    return {
      async predict(input) {
        const { feed, frame } = buildFeed(input, inputs);
        const ortFeed: Record<string, OrtTensor> = {};
        for (const info of inputs) {
          const t = feed[info.name];
          if (!t) throw invalidParameter(`Missing input '${info.name}' for the onnx model.`, { field: info.name });
          ortFeed[info.name] = toOrtTensor(ort, castForGraph(t, info), info.name);
        }
        const result = await session.run(ortFeed);
        const outputs: Record<string, Tensor> = {};
        for (const name of session.outputNames) {
          const value = result[name];
          if (value) outputs[name] = fromOrtTensor(value);
        }
        return frame ? toOutputFrame(outputs) : outputs;
      },
      async close() {
        await session.release();
      },
    };
  },
};
