import { type LabbookError, invalidParameter } from '../errors.js';

/**
 * Tensor element types by their numpy names, as MLflow writes them in a TensorSpec (`float32`,
 * `int64`, `bool`, `str`…). Only the ones a JavaScript array can hold are listed.
 */
export type TensorDType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'str'
  | 'object';

/** The element storage of a {@link Tensor}: a typed array for numbers, a plain array otherwise. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | boolean[]
  | string[]
  | unknown[];

/**
 * A dense n-dimensional array: flat row-major `data` plus `shape` and a numpy `dtype`. This is
 * labbook's stand-in for a numpy ndarray in model inputs and outputs.
 */
export interface Tensor {
  readonly kind: 'tensor';
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

const TYPED: Record<string, TensorDType> = {
  Float32Array: 'float32',
  Float64Array: 'float64',
  Int8Array: 'int8',
  Int16Array: 'int16',
  Int32Array: 'int32',
  BigInt64Array: 'int64',
  Uint8Array: 'uint8',
  Uint16Array: 'uint16',
  Uint32Array: 'uint32',
  BigUint64Array: 'uint64',
};

/** Every dtype name labbook accepts in a TensorSpec. */
export const TENSOR_DTYPES: readonly TensorDType[] = [
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'str',
  'object',
];

/** True for a value made by {@link tensor}. */
export function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tensor' && 'shape' in value && 'data' in value
  );
}

/** The dtype a typed array stores, or undefined for plain arrays. */
export function dtypeOfTypedArray(data: unknown): TensorDType | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  return TYPED[data.constructor.name];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The shape nested arrays claim by their first elements (ragged nesting is found by the walk). */
function probeShape(value: unknown): number[] {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  return shape;
}

function raggedLeaf(): LabbookError {
  return invalidParameter('Nested arrays are ragged: every row must have the same length to form a tensor.');
}

function raggedAt(depth: number, shape: readonly number[]): LabbookError {
  return invalidParameter(`Nested arrays are ragged at depth ${depth}: every row must have length ${shape[depth]} to form a tensor.`);
}

/** Flattens nested arrays row-major and reports their shape; ragged nesting is an error. */
export function flattenNested(value: unknown): { data: unknown[]; shape: number[] } {
  const shape = probeShape(value);
  const data: unknown[] = [];
  // Recursion over the outer levels only: the innermost rows (all of a request's values) are
  // copied by a flat loop, without a call per value.
  const last = shape.length - 1;
  const walk = (v: unknown, depth: number): void => {
    if (!Array.isArray(v) || v.length !== shape[depth]) throw raggedAt(depth, shape);
    if (depth === last) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (Array.isArray(x)) throw raggedLeaf();
        data.push(x);
      }
      return;
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
  };
  if (shape.length === 0) data.push(value);
  else walk(value, 0);
  return { data, shape };
}

type NumericArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
const NUMERIC: Partial<Record<TensorDType, new (length: number) => NumericArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/**
 * `toTensorData(flattenNested(value).data, dtype)` without the intermediate array, for the dtypes
 * stored in a number typed array; `{data, shape}` or undefined when the fast path does not apply
 * (another dtype, a non-number value, ragged nesting). Callers then take the slow path, which
 * throws the very error it always threw: this one only ever succeeds or steps aside.
 */
export function nestedToTypedTensorData(value: unknown, dtype: TensorDType): { data: TensorData; shape: number[] } | undefined {
  const Typed = NUMERIC[dtype];
  if (!Typed || !Array.isArray(value)) return undefined;
  const shape = probeShape(value);
  const last = shape.length - 1;
  // The innermost rows first, checked against the shape: the shape probed from first elements
  // alone could claim far more values than the body holds, and must not size an allocation.
  const rows: unknown[][] = [];
  const collect = (v: unknown, depth: number): boolean => {
    if (!Array.isArray(v) || v.length !== shape[depth]) return false;
    if (depth === last) rows.push(v);
    else for (let i = 0; i < v.length; i++) if (!collect(v[i], depth + 1)) return false;
    return true;
  };
  if (!collect(value, 0)) return undefined;
  const width = shape[last]!;
  const out = new Typed(rows.length * width);
  const integer = dtype !== 'float32' && dtype !== 'float64';
  let k = 0;
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const x: unknown = row[i];
      if (typeof x !== 'number' || (integer && !Number.isInteger(x))) return undefined;
      out[k++] = x;
    }
  }
  return { data: out, shape };
}

/** The dtype numpy would give plain JavaScript values (numbers → int64 when all integers, else float64). */
export function inferDtypeOfValues(values: readonly unknown[]): TensorDType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'float64';
  if (present.every((v) => typeof v === 'boolean')) return 'bool';
  if (present.every((v) => typeof v === 'bigint')) return 'int64';
  if (present.every((v) => typeof v === 'number')) return present.every((v) => Number.isInteger(v)) ? 'int64' : 'float64';
  if (present.every((v) => typeof v === 'string')) return 'str';
  return 'object';
}

/** Copies plain values into the storage of `dtype`, failing on values that do not fit. */
export function toTensorData(values: readonly unknown[], dtype: TensorDType): TensorData {
  const num = (v: unknown, i: number): number => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number') throw invalidParameter(`Tensor element ${i} is ${describeValue(v)}; a ${dtype} tensor needs numbers.`);
    return n;
  };
  const int = (v: unknown, i: number): number => {
    const n = num(v, i);
    if (!Number.isInteger(n)) throw invalidParameter(`Tensor element ${i} is ${n}; a ${dtype} tensor needs integers.`);
    return n;
  };
  const Typed = NUMERIC[dtype];
  if (Typed) {
    // A plain loop, not `TypedArray.from(values, fn)`: V8 runs that mapper as a call per element
    // through the builtin, several times slower on a request's thousands of values.
    const out = new Typed(values.length);
    if (dtype === 'float32' || dtype === 'float64') {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        out[i] = typeof v === 'number' ? v : num(v, i);
      }
    } else {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        out[i] = typeof v === 'number' && Number.isInteger(v) ? v : int(v, i);
      }
    }
    return out;
  }
  switch (dtype) {
    case 'int64':
      return BigInt64Array.from(values, (v, i) => (typeof v === 'bigint' ? v : BigInt(int(v, i))));
    case 'uint64':
      return BigUint64Array.from(values, (v, i) => (typeof v === 'bigint' ? v : BigInt(int(v, i))));
    case 'bool':
      return values.map((v, i) => {
        if (typeof v !== 'boolean') throw invalidParameter(`Tensor element ${i} is ${describeValue(v)}; a bool tensor needs booleans.`);
        return v;
      });
    case 'str':
      return values.map((v, i) => {
        if (typeof v !== 'string') throw invalidParameter(`Tensor element ${i} is ${describeValue(v)}; a str tensor needs strings.`);
        return v;
      });
    default:
      return [...values];
  }
}

/**
 * Makes a {@link Tensor}. `data` is a typed array (its type gives the dtype) or nested/flat plain
 * arrays; `shape` defaults to the nesting (or `[length]`); `dtype` converts plain values.
 *
 * ```ts
 * tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * tensor([[1, 2], [3, 4]], undefined, 'float32');
 * ```
 */
export function tensor(data: TensorData | unknown[], shape?: readonly number[], dtype?: TensorDType): Tensor {
  const typed = dtypeOfTypedArray(data);
  let flat: TensorData;
  let inferredShape: number[];
  if (typed) {
    flat = data as TensorData;
    inferredShape = [(data as ArrayLike<unknown>).length];
    if (dtype && dtype !== typed) flat = toTensorData(Array.from(data as ArrayLike<unknown>), dtype);
  } else {
    const nested = flattenNested(data);
    inferredShape = nested.shape.length === 0 ? [] : nested.shape;
    flat = toTensorData(nested.data, dtype ?? inferDtypeOfValues(nested.data));
  }
  const finalShape = [...(shape ?? inferredShape)];
  if (product(finalShape) !== flat.length) {
    throw invalidParameter(
      `Tensor shape [${finalShape.join(', ')}] holds ${product(finalShape)} elements but the data has ${flat.length}.`,
    );
  }
  return {
    kind: 'tensor',
    dtype: dtype ?? typed ?? inferDtypeOfValues(Array.from(flat as ArrayLike<unknown>)),
    shape: finalShape,
    data: flat,
  };
}

/** The tensor as nested plain arrays (bigints become numbers), as MLflow writes ndarrays to JSON. */
export function tensorToNested(t: Tensor): unknown {
  const flat = Array.from(t.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  if (t.shape.length === 0) return flat[0];
  const build = (offset: number, depth: number): unknown[] => {
    const size = t.shape[depth] ?? 0;
    const stride = product(t.shape.slice(depth + 1));
    const out: unknown[] = [];
    for (let i = 0; i < size; i++) out.push(depth === t.shape.length - 1 ? flat[offset + i] : build(offset + i * stride, depth + 1));
    return out;
  };
  return build(0, 0);
}

/** A short description of a value's type for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isTensor(value)) return `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]`;
  if (value instanceof Date) return 'a Date';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}`;
}
