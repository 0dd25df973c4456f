import { invalidParameter } from '../errors.js';

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
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tensor' && 'shape' in value && 'data' in value;
}

/** The dtype a typed array stores, or undefined for plain arrays. */
export function dtypeOfTypedArray(data: unknown): TensorDType | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  return TYPED[data.constructor.name];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Flattens nested arrays row-major and reports their shape; ragged nesting is an error. */
export function flattenNested(value: unknown): { data: unknown[]; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const data: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw invalidParameter('Nested arrays are ragged: every row must have the same length to form a tensor.');
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw invalidParameter(`Nested arrays are ragged at depth ${depth}: every row must have length ${shape[depth]} to form a tensor.`);
    }
    for (const item of v) walk(item, depth + 1);
  };
  walk(value, 0);
  return { data, shape };
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
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values, num);
    case 'float64':
      return Float64Array.from(values, num);
    case 'int8':
      return Int8Array.from(values, int);
    case 'int16':
      return Int16Array.from(values, int);
    case 'int32':
      return Int32Array.from(values, int);
    case 'uint8':
      return Uint8Array.from(values, int);
    case 'uint16':
      return Uint16Array.from(values, int);
    case 'uint32':
      return Uint32Array.from(values, int);
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
    throw invalidParameter(`Tensor shape [${finalShape.join(', ')}] holds ${product(finalShape)} elements but the data has ${flat.length}.`);
  }
  return { kind: 'tensor', dtype: dtype ?? typed ?? inferDtypeOfValues(Array.from(flat as ArrayLike<unknown>)), shape: finalShape, data: flat };
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
