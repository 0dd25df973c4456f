import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../errors.js';
import { type Frame, frameToSplit, isFrame, toFrame } from './frame.js';
import type { MLmodel, SavedInputExampleInfo } from './mlmodel.js';
import { pythonJsonDumps } from './python-json.js';
import { isTensorSchema, type Schema } from './schema.js';
import {
  dtypeOfTypedArray,
  flattenNested,
  inferDtypeOfValues,
  isTensor,
  type Tensor,
  tensor,
  tensorToNested,
  toTensorData,
} from './tensor.js';

/** The example file MLflow writes at the model root. */
export const INPUT_EXAMPLE_FILE = 'input_example.json';
/** The ready `/invocations` body MLflow 3.x writes beside it. */
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json';

/** An input example with inference params, as MLflow's `(data, params)` tuple. */
export interface InputExampleWithParams {
  input: unknown;
  params: Record<string, unknown>;
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

function isTensorLike(value: unknown): boolean {
  return isTensor(value) || dtypeOfTypedArray(value) !== undefined;
}

/** Classifies an example as MLflow's `_Example` does and gives its JSON and info. */
function encodeExample(example: unknown): { type: string; data: unknown; serving: Record<string, unknown>; pandasOrient?: string } {
  if (isTensorLike(example)) {
    const t = isTensor(example) ? example : tensor(example as Float32Array);
    const data = jsonValue(tensorToNested(t));
    return { type: 'ndarray', data, serving: { inputs: data } };
  }
  if (typeof example === 'object' && example !== null && !Array.isArray(example) && !isFrame(example)) {
    const values = Object.values(example);
    if (values.length > 0 && values.every(isTensorLike)) {
      const data = Object.fromEntries(
        Object.entries(example).map(([k, v]) => [k, jsonValue(tensorToNested(isTensor(v) ? v : tensor(v as Float32Array)))]),
      );
      return { type: 'ndarray', data, serving: { inputs: data } };
    }
  }
  const f = toFrame(example);
  if (f) {
    const split = jsonValue(frameToSplit(f)) as Record<string, unknown>;
    return { type: 'dataframe', data: split, serving: { dataframe_split: split }, pandasOrient: f.unnamed ? 'values' : 'split' };
  }
  const data = jsonValue(example);
  return { type: 'json_object', data, serving: { inputs: data } };
}

function hasParams(example: unknown): example is InputExampleWithParams {
  return (
    typeof example === 'object' &&
    example !== null &&
    !Array.isArray(example) &&
    'input' in example &&
    'params' in example &&
    Object.keys(example).length === 2
  );
}

/**
 * Writes `input_example.json` and `serving_input_example.json` as MLflow 3.x does and returns the
 * `saved_input_example_info` block. Pass `{ input, params }` for an example with params.
 */
export async function saveInputExample(dir: string, example: unknown): Promise<SavedInputExampleInfo> {
  const withParams = hasParams(example);
  const encoded = encodeExample(withParams ? example.input : example);
  const info: SavedInputExampleInfo = { artifact_path: INPUT_EXAMPLE_FILE, type: encoded.type };
  if (encoded.pandasOrient) info.pandas_orient = encoded.pandasOrient;
  let fileData: unknown = encoded.data;
  let serving: Record<string, unknown> = encoded.serving;
  if (withParams) {
    const params = jsonValue(example.params) as Record<string, unknown>;
    fileData = { inputs: encoded.data, params };
    serving = { ...serving, params };
    info.params = 'true';
  }
  await writeFile(join(dir, INPUT_EXAMPLE_FILE), pythonJsonDumps(fileData), 'utf8');
  await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), JSON.stringify(serving, null, 2), 'utf8');
  info.serving_input_path = SERVING_INPUT_EXAMPLE_FILE;
  return info;
}

function decodeTensor(value: unknown, schema: Schema | undefined, name?: string): Tensor {
  const { data, shape } = flattenNested(value);
  const spec =
    schema && isTensorSchema(schema) ? (schema.find((s) => s.name === name) ?? (name === undefined ? schema[0] : undefined)) : undefined;
  const dtype = spec?.dtype ?? inferDtypeOfValues(data);
  return { kind: 'tensor', dtype, shape, data: toTensorData(data, dtype) };
}

/**
 * Reads a model's saved input example (MLflow 2.x's `{"inputs": …}` / `tf-serving` wrapping and
 * 3.x's bare form) back into labbook's input types: a `Frame`, a `Tensor`, an object of tensors,
 * or the raw JSON. Tensor dtypes come from the signature when it has them. Undefined when the model
 * has no example.
 */
export function readInputExample(
  dir: string,
  mlmodel: MLmodel,
  inputSchema?: Schema,
): { input: unknown; params?: Record<string, unknown> } | undefined {
  const info = mlmodel.saved_input_example_info;
  if (!info) return undefined;
  const file = join(dir, info.artifact_path ?? INPUT_EXAMPLE_FILE);
  if (!existsSync(file)) {
    throw invalidParameter(
      `MLmodel names the input example '${info.artifact_path}', but ${file} is missing. Re-download or re-save the model.`,
    );
  }
  // Python's json module writes NaN for missing floats in old examples; JSON.parse does not accept it.
  let raw = JSON.parse(readFileSync(file, 'utf8').replace(/\bNaN\b/g, 'null')) as unknown;
  let params: Record<string, unknown> | undefined;
  if (info.params === 'true' || info.params === (true as unknown)) {
    const wrapped = raw as { inputs?: unknown; params?: Record<string, unknown> };
    raw = wrapped.inputs;
    params = wrapped.params;
  }
  let input: unknown = raw;
  if (info.type === 'dataframe') {
    const f: Frame | undefined = toFrame(raw);
    if (f && info.pandas_orient === 'values') input = { ...f, unnamed: true };
    else input = f ?? raw;
  } else if (info.type === 'ndarray') {
    if (info.format === 'tf-serving' && typeof raw === 'object' && raw !== null && 'inputs' in raw)
      raw = (raw as { inputs: unknown }).inputs;
    if (Array.isArray(raw)) input = decodeTensor(raw, inputSchema);
    else if (typeof raw === 'object' && raw !== null) {
      input = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeTensor(v, inputSchema, k)]));
    }
  }
  return params ? { input, params } : { input };
}
