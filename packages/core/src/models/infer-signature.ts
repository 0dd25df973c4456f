import { invalidParameter } from '../errors.js';
import { type Frame, isFrame, toFrame } from './frame.js';
import type { ColSpec, ColumnType, ParamSpec, Schema, TensorSpec } from './schema.js';
import type { ModelSignature } from './signature.js';
import { describeValue, flattenNested, inferDtypeOfValues, isTensor, type Tensor, tensor } from './tensor.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Date);
}

/** The MLflow type of one value (numbers: `long` when integral, else `double`, as pandas' int64/float64). */
export function inferColumnTypeOfValues(values: readonly unknown[], where: string): ColumnType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) {
    throw invalidParameter(`Cannot infer a type for ${where}: every value is null. Give an example with a value, or pass a signature.`);
  }
  if (present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.every((v) => typeof v === 'bigint')) return 'long';
  if (present.every((v) => typeof v === 'number')) return present.every((v) => Number.isInteger(v)) ? 'long' : 'double';
  if (present.every((v) => typeof v === 'string')) return 'string';
  if (present.every((v) => v instanceof Uint8Array)) return 'binary';
  if (present.every((v) => v instanceof Date)) return 'datetime';
  if (present.every(Array.isArray)) return { type: 'array', items: inferColumnTypeOfValues(present.flat(), `the items of ${where}`) };
  if (present.every(isRecord)) {
    const keys = [...new Set(present.flatMap((v) => Object.keys(v as Record<string, unknown>)))].sort();
    const properties: Record<string, { type: ColumnType; required: boolean }> = {};
    for (const k of keys) {
      const vs = present.map((v) => (v as Record<string, unknown>)[k]);
      properties[k] = {
        type: inferColumnTypeOfValues(vs, `property '${k}' of ${where}`),
        required: vs.every((x) => x !== null && x !== undefined),
      };
    }
    return { type: 'object', properties };
  }
  throw invalidParameter(
    `Cannot infer a type for ${where}: its values mix types (${[...new Set(present.map(describeValue))].slice(0, 3).join(', ')}). Pass a signature.`,
  );
}

/** A column schema from a frame; columns with nulls become optional, as MLflow 2.x+ infers. */
export function inferFrameSchema(f: Frame): ColSpec[] {
  return f.columns.map((c) => {
    const values = f.data[c]!;
    const spec: ColSpec = {
      kind: 'column',
      type: inferColumnTypeOfValues(values, `column '${c}'`),
      required: f.unnamed ? true : values.every((v) => v !== null && v !== undefined),
    };
    if (!f.unnamed) spec.name = c;
    return spec;
  });
}

function tensorSpecOf(t: Tensor, name?: string): TensorSpec {
  // MLflow marks the first dimension variable: an example is one batch of many.
  const shape = t.shape.map((d, i) => (i === 0 ? -1 : d));
  return { kind: 'tensor', ...(name !== undefined ? { name } : {}), dtype: t.dtype, shape };
}

function isNumericNested(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  try {
    const { data } = flattenNested(value);
    return data.length > 0 && data.every((v) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean');
  } catch {
    return false;
  }
}

/**
 * The schema of an input example: tensors (a {@link Tensor}, a typed array, nested number arrays or
 * an object of those) give a tensor schema; records, `{columns, data}` and objects of columns give a
 * column schema.
 */
export function inferSchema(example: unknown): Schema {
  if (isTensor(example)) return [tensorSpecOf(example)];
  if (ArrayBuffer.isView(example) && !(example instanceof DataView)) return [tensorSpecOf(tensor(example as Float32Array))];
  if (isNumericNested(example) && !isFrame(example)) {
    const { data, shape } = flattenNested(example);
    return [tensorSpecOf({ kind: 'tensor', dtype: inferDtypeOfValues(data), shape, data })];
  }
  if (isRecord(example) && Object.keys(example).length > 0 && Object.values(example).every((v) => isTensor(v) || ArrayBuffer.isView(v))) {
    return Object.entries(example).map(([k, v]) => tensorSpecOf(isTensor(v) ? v : tensor(v as Float32Array), k));
  }
  const f = toFrame(example);
  if (!f)
    throw invalidParameter(
      `Cannot infer a schema from ${describeValue(example)}: give records, {columns, data}, a Tensor or an object of Tensors.`,
    );
  return inferFrameSchema(f);
}

/** Param specs from example params (`shape: [-1]` for arrays, as MLflow infers). */
export function inferParamSchema(params: Record<string, unknown>): ParamSpec[] {
  return Object.entries(params).map(([name, value]) => {
    const isList = Array.isArray(value);
    const type = inferColumnTypeOfValues(isList ? value : [value], `param '${name}'`);
    if (typeof type !== 'string' || type === 'any' || type === 'sparkml_vector' || type === 'binary') {
      if (typeof type === 'object' && type.type === 'object' && !isList)
        return { name, type: 'object', default: value, shape: null, properties: type.properties };
      throw invalidParameter(
        `Param '${name}' has a type MLflow params cannot hold (${typeof type === 'string' ? type : type.type}); use a scalar or a list of scalars.`,
      );
    }
    return { name, type, default: value, shape: isList ? [-1] : null };
  });
}

/**
 * Infers a signature as MLflow's `infer_signature(model_input, model_output, params)` does.
 *
 * ```ts
 * inferSignature([{ x: 1.5, label: 'a' }], tensor(new Float32Array([0.2]), [1, 1]));
 * ```
 */
export function inferSignature(input: unknown, output?: unknown, params?: Record<string, unknown>): ModelSignature {
  const sig: ModelSignature = { inputs: inferSchema(input) };
  if (output !== undefined && output !== null) sig.outputs = inferSchema(output);
  if (params && Object.keys(params).length > 0) sig.params = inferParamSchema(params);
  return sig;
}
