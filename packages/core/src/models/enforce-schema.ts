import { LabbookError, invalidParameter } from '../errors.js';
import { type Frame, isFrame, toFrame } from './frame.js';
import { type ColSpec, type ColumnType, columnTypeName, isTensorSchema, type Schema, schemaToJson, type TensorSpec } from './schema.js';
import {
  describeValue,
  dtypeOfTypedArray,
  flattenNested,
  isTensor,
  nestedToTypedTensorData,
  type Tensor,
  tensor,
  toTensorData,
} from './tensor.js';

/** What a flavor's predict receives after enforcement: a frame, a tensor, or named tensors. */
export type EnforcedInput = Frame | Tensor | Record<string, Tensor>;

const pyList = (names: readonly string[]): string => `[${names.map((n) => `'${n}'`).join(', ')}]`;
const pyTuple = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

function warn(message: string): void {
  process.emitWarning(message, { code: 'LABBOOK_SCHEMA' });
}

/** The pandas dtype name a column of these JS values would have, for MLflow-style messages. */
function pandasDtype(values: readonly unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number'))
    return present.every(Number.isInteger) && present.length === values.length ? 'int64' : 'float64';
  if (present.length > 0 && present.every((v) => typeof v === 'bigint')) return 'int64';
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'bool';
  if (present.length > 0 && present.every((v) => v instanceof Date)) return 'datetime64[ns]';
  return 'object';
}

class Incompatible extends Error {}

function base64ToBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Converts one value to `type`, as `_enforce_mlflow_datatype` allows; throws Incompatible otherwise. */
function convertValue(v: unknown, type: ColumnType, where: string): unknown {
  if (type === 'any') return v;
  if (typeof type === 'string') {
    switch (type) {
      case 'long':
      case 'integer': {
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new Incompatible();
        if (type === 'integer' && (n < -2147483648 || n > 2147483647)) throw new Incompatible();
        return n;
      }
      case 'double':
      case 'float': {
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number') throw new Incompatible();
        // JS numbers are float64; float32 columns get float32 precision, the only way to give float32 in JS.
        return type === 'float' ? Math.fround(n) : n;
      }
      case 'boolean':
        if (typeof v !== 'boolean') throw new Incompatible();
        return v;
      case 'string':
        if (typeof v !== 'string') throw new Incompatible();
        return v;
      case 'binary':
        if (v instanceof Uint8Array) return v;
        if (typeof v === 'string') return base64ToBytes(v);
        throw new Incompatible();
      case 'datetime': {
        if (v instanceof Date) return v;
        if (typeof v === 'string' || typeof v === 'number') {
          const d = new Date(v);
          if (Number.isNaN(d.getTime())) throw new Incompatible();
          return d;
        }
        throw new Incompatible();
      }
      default:
        return v;
    }
  }
  if (type.type === 'array') {
    if (!Array.isArray(v)) throw new Incompatible();
    return v.map((x) => convertValue(x, type.items, where));
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Incompatible();
  const obj = v as Record<string, unknown>;
  if (type.type === 'map') return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, convertValue(x, type.values, where)]));
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(type.properties)) {
    if (obj[k] === undefined || obj[k] === null) {
      if (p.required)
        throw invalidParameter(
          `${where}: required property '${k}' is missing from an object value. Add it, or mark it optional in the signature.`,
        );
      continue;
    }
    out[k] = convertValue(obj[k], p.type, `${where}.${k}`);
  }
  return out;
}

function enforceColumn(values: unknown[], spec: ColSpec, column: string): unknown[] {
  return values.map((v, row) => {
    if (v === null || v === undefined) {
      if (spec.type === 'long' || spec.type === 'integer' || spec.type === 'boolean') {
        if (!spec.required) return null;
        throw invalidParameter(
          `Incompatible input types for column ${column}. Can not safely convert float64 to ${spec.type === 'boolean' ? 'bool' : spec.type === 'long' ? 'int64' : 'int32'}. ` +
            `Row ${row} is null: ${columnTypeName(spec.type)} columns cannot hold missing values. Fill it, or declare the column as double or optional (required: false) in the signature.`,
          { field: column },
        );
      }
      return null;
    }
    try {
      return convertValue(v, spec.type, `column ${column}`);
    } catch (error) {
      if (!(error instanceof Incompatible)) throw error;
      throw invalidParameter(
        `Incompatible input types for column ${column}. Can not safely convert ${pandasDtype(values)} to ${columnTypeName(spec.type)}. ` +
          `Row ${row} holds ${describeValue(v)}; pass ${columnTypeName(spec.type)} values for '${column}' or change the model signature.`,
        { field: column },
      );
    }
  });
}

function enforceColumns(input: unknown, schema: ColSpec[]): Frame {
  const f = toFrame(input);
  if (!f)
    throw invalidParameter(
      `Expected input to be DataFrame. Found: ${describeValue(input)}. Pass records, {columns, data} or an object of columns.`,
    );
  const named = schema[0]?.name !== undefined;
  const data: Record<string, unknown[]> = {};
  if (named) {
    const wanted = schema.map((s) => s.name!);
    const missing = schema.filter((s) => s.required && !f.columns.includes(s.name!)).map((s) => s.name!);
    const extra = f.columns.filter((c) => !wanted.includes(c));
    if (missing.length > 0) {
      const note = extra.length > 0 ? ` Note that there were extra inputs: ${pyList(extra)}.` : '';
      throw invalidParameter(`Model is missing inputs ${pyList(missing)}.${note}`, { field: missing[0]! });
    }
    if (extra.length > 0)
      warn(
        `Found extra inputs in the model input that are not defined in the model signature: ${pyList(extra)}. These inputs will be ignored.`,
      );
    const columns: string[] = [];
    for (const s of schema) {
      if (!f.columns.includes(s.name!)) continue;
      columns.push(s.name!);
      data[s.name!] = enforceColumn(f.data[s.name!]!, s, s.name!);
    }
    return { kind: 'frame', columns, data, length: f.length };
  }
  if (f.columns.length < schema.length) {
    throw invalidParameter(
      `Model inference is missing inputs. The model signature declares ${schema.length} inputs but the provided value only has ${f.columns.length} inputs.`,
    );
  }
  const columns = f.columns.slice(0, schema.length);
  columns.forEach((c, i) => {
    data[c] = enforceColumn(f.data[c]!, schema[i]!, c);
  });
  return { kind: 'frame', columns, data, length: f.length, unnamed: true };
}

function enforceTensorSpec(t: Tensor, spec: TensorSpec): Tensor {
  const shapeOk = t.shape.length === spec.shape.length && spec.shape.every((d, i) => d === -1 || d === t.shape[i]);
  if (!shapeOk && !(spec.dtype === 'object' && spec.shape.length === 1 && spec.shape[0] === -1)) {
    throw invalidParameter(
      `Shape of input ${pyTuple(t.shape)} does not match expected shape ${pyTuple(spec.shape)}${spec.name ? ` for input '${spec.name}'` : ''}. Reshape the tensor to match the signature.`,
      spec.name ? { field: spec.name } : {},
    );
  }
  if (spec.dtype !== 'object' && t.dtype !== spec.dtype) {
    throw invalidParameter(
      `dtype of input ${t.dtype} does not match expected dtype ${spec.dtype}${spec.name ? ` for input '${spec.name}'` : ''}. Convert it, e.g. tensor(data, shape, '${spec.dtype}').`,
      spec.name ? { field: spec.name } : {},
    );
  }
  return t;
}

function flattenNestedTensor(value: unknown, dtype: TensorSpec['dtype']): { data: ReturnType<typeof toTensorData>; shape: number[] } {
  const { data, shape } = flattenNested(value);
  return { data: toTensorData(data, dtype), shape };
}

/** Plain JS values have no dtype: they take the spec's (the scoring server parses JSON the same way). */
function asTensor(value: unknown, spec: TensorSpec): Tensor | undefined {
  if (isTensor(value)) return value;
  if (dtypeOfTypedArray(value)) return tensor(value as Float32Array);
  if (Array.isArray(value)) {
    // Straight into a typed array when every value fits: a scoring request's nested lists land here.
    const { data, shape } = nestedToTypedTensorData(value, spec.dtype) ?? flattenNestedTensor(value, spec.dtype);
    return { kind: 'tensor', dtype: spec.dtype, shape, data };
  }
  return undefined;
}

function frameColumnToTensor(f: Frame, column: string, spec: TensorSpec): Tensor {
  const values = f.data[column]!;
  if (spec.shape[0] !== -1 || spec.shape.slice(1).some((d) => d === -1)) {
    throw invalidParameter(
      `Column '${column}' cannot be reshaped to tensor shape ${pyTuple(spec.shape)}: a DataFrame column needs a first dimension of -1 and fixed other dimensions.`,
    );
  }
  const cell = spec.shape.slice(1);
  const flat = values.flatMap((v) => (Array.isArray(v) ? flattenNested(v).data : [v]));
  const rest = cell.length === 0 ? [] : cell;
  const shape = [values.length, ...rest];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) {
    throw invalidParameter(
      `Column '${column}' holds ${flat.length} values, which do not reshape to ${pyTuple(spec.shape)} for ${values.length} rows.`,
    );
  }
  return { kind: 'tensor', dtype: spec.dtype, shape, data: toTensorData(flat, spec.dtype) };
}

function enforceTensors(input: unknown, schema: TensorSpec[]): Tensor | Record<string, Tensor> {
  const named = schema[0]?.name !== undefined;
  if (
    isFrame(input) ||
    (!isTensor(input) && !Array.isArray(input) && !ArrayBuffer.isView(input) && toFrame(input) && !isTensorDict(input))
  ) {
    const f = toFrame(input)!;
    if (!named) {
      const spec = schema[0]!;
      const rows = Array.from({ length: f.length }, (_, i) => f.columns.map((c) => f.data[c]![i]));
      return enforceTensorSpec(asTensor(rows, spec)!, spec);
    }
    const missing = schema.filter((s) => !f.columns.includes(s.name!)).map((s) => s.name!);
    if (missing.length > 0) throw invalidParameter(`Model is missing inputs ${pyList(missing)}.`, { field: missing[0]! });
    return Object.fromEntries(schema.map((s) => [s.name!, enforceTensorSpec(frameColumnToTensor(f, s.name!, s), s)]));
  }
  if (isTensorDict(input)) {
    const dict = input as Record<string, unknown>;
    if (!named) {
      if (Object.keys(dict).length !== 1)
        throw invalidParameter('The model signature has one unnamed tensor input: pass a single Tensor, not an object of tensors.');
      return enforceTensorSpec(asTensor(Object.values(dict)[0], schema[0]!)!, schema[0]!);
    }
    const missing = schema.filter((s) => dict[s.name!] === undefined).map((s) => s.name!);
    if (missing.length > 0) throw invalidParameter(`Model is missing inputs ${pyList(missing)}.`, { field: missing[0]! });
    const extra = Object.keys(dict).filter((k) => !schema.some((s) => s.name === k));
    if (extra.length > 0)
      warn(
        `Found extra inputs in the model input that are not defined in the model signature: ${pyList(extra)}. These inputs will be ignored.`,
      );
    const out: Record<string, Tensor> = {};
    for (const s of schema) {
      const t = asTensor(dict[s.name!], s);
      if (!t)
        throw invalidParameter(
          `Input '${s.name}' is ${describeValue(dict[s.name!])}; the signature expects a ${s.dtype} tensor of shape ${pyTuple(s.shape)}.`,
          { field: s.name! },
        );
      out[s.name!] = enforceTensorSpec(t, s);
    }
    return out;
  }
  if (schema.length !== 1) {
    throw invalidParameter(
      `This model's signature has ${schema.length} named tensor inputs (${pyList(schema.map((s) => s.name ?? ''))}), so it needs an object mapping each name to a tensor, not ${describeValue(input)}.`,
    );
  }
  const t = asTensor(input, schema[0]!);
  if (!t) throw invalidParameter(`Expected a tensor input (a Tensor, a typed array or nested arrays). Found: ${describeValue(input)}.`);
  return enforceTensorSpec(t, schema[0]!);
}

function isTensorDict(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isTensor(value) || isFrame(value) || ArrayBuffer.isView(value))
    return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => isTensor(v) || dtypeOfTypedArray(v) !== undefined || Array.isArray(v));
}

function shortRepr(value: unknown): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)) ??
      String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Checks and converts predict input against a signature's inputs, as MLflow's
 * `_enforce_schema` does, and returns what the flavor receives. Failures are
 * `INVALID_PARAMETER_VALUE` errors worded as MLflow's, naming the column and the expected type.
 */
export function enforceSchema(input: unknown, schema: Schema): EnforcedInput {
  try {
    return isTensorSchema(schema) ? enforceTensors(input, schema) : enforceColumns(input, schema as ColSpec[]);
  } catch (error) {
    const inner = error instanceof Error ? error.message : String(error);
    const field = LabbookError.is(error) ? error.field : undefined;
    const details = process.env.MLFLOW_DISABLE_SCHEMA_DETAILS === 'true';
    const message = details
      ? 'Failed to enforce model input schema. Please check your input data.'
      : `Failed to enforce schema of data '${shortRepr(input)}' with schema '${JSON.stringify(schemaToJson(schema))}'. Error: ${inner}`;
    throw invalidParameter(message, { cause: error, ...(field !== undefined ? { field } : {}) });
  }
}
