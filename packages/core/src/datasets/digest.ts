/**
 * MLflow's dataset digests (`mlflow.data.digest_utils`), computed the way MLflow computes them so
 * the same data logged from Python and from labbook gets the same digest.
 *
 * `compute_pandas_digest(df)`: keep the columns whose values are all `str` plus the numeric-dtype
 * columns (bool, datetime and mixed/object columns are dropped), take the first 10,000 rows, then
 * MD5 over `hash_pandas_object(trimmed).values` (uint64 little-endian per row), `np.int64(len(df))`
 * and every column name (`str(c).encode()`, dropped columns included); the digest is the first 8
 * hex digits. `compute_numpy_digest(features, targets)`: for each array (a dict's arrays in key
 * order), `hash_array` of the first 10,000 flattened elements followed by each dimension as int64.
 *
 * Records become a frame by the rules of `pd.DataFrame(records)` (see {@link inferPandasFrame}):
 * safe-integer numbers → int64, any other number (or a gap/null among numbers) → float64, only
 * booleans → bool, strings → object, Dates → datetime64. Verified bit for bit against pandas 1.5.3
 * by test/fixtures/datasets (ints, floats, mixed, negatives, NaN/±Infinity, null and missing keys,
 * booleans, unicode/empty strings, string columns with null, datetime columns, 12,000 rows, numpy
 * float32/float64/int32/uint8/int64/bool/string arrays, features + targets, dicts of arrays).
 *
 * Out of scope — stable digests that can differ from MLflow's:
 * - a Python float column holding only integral values (`[1.0, 2.0]`): JavaScript cannot tell it
 *   from `[1, 2]`, which labbook hashes as int64 as pandas does for Python ints; -0 likewise is 0;
 *   an integer beyond ±2^53 given as a number (not a bigint) is treated as a float;
 * - pandas' extension dtypes (nullable `Int64`, `string[pyarrow]`, `category`) and pandas 3's default
 *   `str` dtype, which a Python user may get from other readers than `pd.DataFrame(records)`;
 * - numpy object arrays holding non-string values, hashed through a best-effort Python `str()`;
 *   nested objects there are treated as unhashable (MLflow's `TypeError` path: the element count).
 * Datetime columns are dropped exactly as MLflow drops them, so they do not change the digest
 * beyond their column name; a datetime given as an ISO string is a string column, as in pandas.
 */
import { createHash } from 'node:crypto';
import { type PandasFrame, inferPandasFrame, inferPandasFrameFromColumns } from './pandas-frame.js';
import { type HashableArray, type NumericArray, hashArray, hashPandasObject, utf8SurrogatePass } from './pandas-hash.js';
import { invalidParameter } from '../errors.js';
import type { TensorDType } from '../models/tensor.js';

/** MLflow hashes at most this many rows (elements, for arrays) of a dataset (`MAX_ROWS`). */
export const DIGEST_MAX_ROWS = 10000;

const NUMERIC_DTYPES = new Set(['int64', 'uint64', 'float64']);

function int64LE(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
  return b;
}

function bytesOf(a: BigUint64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// Python compares str by code point; JavaScript's default sort compares UTF-16 units, which orders
// astral characters before U+E000–U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function head(values: HashableArray, n: number): HashableArray {
  if (values.length <= n) return values;
  return ArrayBuffer.isView(values) ? values.subarray(0, n) : values.slice(0, n);
}

/**
 * The columns MLflow hashes, in `string_columns.union(numeric_columns)` order: pandas returns the
 * other index unchanged when one side is empty and a sorted union otherwise.
 */
export function hashedColumns(frame: PandasFrame): PandasFrame['columns'] {
  const strings = frame.columns.filter((c) => c.allStrings);
  const numeric = frame.columns.filter((c) => NUMERIC_DTYPES.has(c.dtype));
  if (strings.length === 0) return numeric;
  if (numeric.length === 0) return strings;
  return [...strings, ...numeric].sort((a, b) => compareCodePoints(a.name, b.name));
}

/** The uint64 per row MLflow feeds to MD5 (`hash_pandas_object` of the trimmed, filtered frame). */
export function pandasRowHashes(frame: PandasFrame): BigUint64Array {
  const rows = Math.min(frame.rows, DIGEST_MAX_ROWS);
  return hashPandasObject(
    hashedColumns(frame).map((c) => head(c.values, rows)),
    rows,
  );
}

/** MLflow's `compute_pandas_digest` of a frame. */
export function computeFrameDigest(frame: PandasFrame): string {
  const md5 = createHash('md5');
  md5.update(bytesOf(pandasRowHashes(frame)));
  md5.update(int64LE(frame.rows));
  for (const c of frame.columns) md5.update(utf8SurrogatePass(c.name));
  return md5.digest('hex').slice(0, 8);
}

/**
 * MLflow's `compute_pandas_digest(pd.DataFrame(data))` for records (`[{col: value}, …]`) or
 * columns (`{col: [values]}`).
 */
export function computePandasDigest(data: readonly Record<string, unknown>[] | Readonly<Record<string, readonly unknown[]>>): string {
  return computeFrameDigest(Array.isArray(data) ? inferPandasFrame(data) : inferPandasFrameFromColumns(data as Record<string, unknown[]>));
}

/** numpy dtype names labbook can build an array of: the same names a labbook `Tensor`'s `dtype` takes. */
export type NumpyDType = TensorDType;

/** An n-d array given as flat row-major data plus a shape (structurally a labbook `Tensor`). */
export interface ShapedArray {
  /** `'tensor'` for a labbook Tensor; not used. */
  readonly kind?: string;
  readonly data: NumericArray | readonly unknown[];
  readonly shape: readonly number[];
  readonly dtype?: NumpyDType | string;
}

/** What {@link computeNumpyDigest} accepts for one array: a typed array (1-D), nested arrays or a {@link ShapedArray}. */
export type NumpyArrayLike = NumericArray | readonly unknown[] | ShapedArray;

/** True for a value {@link computeNumpyDigest} takes as one array rather than a dict of arrays. */
export function isNumpyArrayLike(v: unknown): v is NumpyArrayLike {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return true;
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v && Array.isArray((v as ShapedArray).shape);
}

function flattenNested(value: readonly unknown[]): { data: unknown[]; shape: number[] } {
  const shape: number[] = [];
  for (let probe: unknown = value; Array.isArray(probe); probe = probe[0]) shape.push(probe.length);
  const data: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw invalidParameter('Nested arrays are ragged: every row must have the same length.', { field: 'features' });
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw invalidParameter('Nested arrays are ragged: every row must have the same length.', { field: 'features' });
    for (const x of v) walk(x, depth + 1);
  };
  walk(value, 0);
  return { data, shape };
}

const TYPED_FOR_DTYPE: Record<string, (xs: unknown[]) => NumericArray> = {
  float32: (xs) => Float32Array.from(xs, Number),
  float64: (xs) => Float64Array.from(xs, Number),
  int8: (xs) => Int8Array.from(xs, Number),
  int16: (xs) => Int16Array.from(xs, Number),
  int32: (xs) => Int32Array.from(xs, Number),
  uint8: (xs) => Uint8Array.from(xs, Number),
  uint16: (xs) => Uint16Array.from(xs, Number),
  uint32: (xs) => Uint32Array.from(xs, Number),
  int64: (xs) => BigInt64Array.from(xs, (x) => BigInt(x as number | bigint)),
  uint64: (xs) => BigUint64Array.from(xs, (x) => BigInt(x as number | bigint)),
};

// What `np.array(nested)` would infer for the leaves: bool, int64, float64, else str/object.
function inferNumpy(data: unknown[]): HashableArray {
  if (data.length > 0 && data.every((v) => typeof v === 'boolean')) return data as boolean[];
  if (data.length > 0 && data.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)))) {
    return BigInt64Array.from(data, (x) => BigInt(x as number | bigint));
  }
  if (data.length > 0 && data.every((v) => typeof v === 'number' || typeof v === 'bigint')) return Float64Array.from(data, Number);
  return data;
}

function toFlat(a: NumpyArrayLike): { flat: HashableArray; shape: readonly number[] } {
  if (ArrayBuffer.isView(a)) return { flat: a, shape: [a.length] };
  if (Array.isArray(a)) {
    const { data, shape } = flattenNested(a);
    return { flat: inferNumpy(data), shape };
  }
  const { data, shape, dtype } = a as ShapedArray;
  if (ArrayBuffer.isView(data)) return { flat: data, shape };
  const convert = dtype !== undefined ? TYPED_FOR_DTYPE[dtype] : undefined;
  if (convert) return { flat: convert([...data]), shape };
  if (dtype === 'bool') return { flat: data.map(Boolean), shape };
  return { flat: dtype === undefined ? inferNumpy([...data]) : data, shape };
}

// pandas raises TypeError (factorizing unhashable values) for lists/dicts in an object array.
function unhashable(flat: HashableArray): boolean {
  return !ArrayBuffer.isView(flat) && (flat as readonly unknown[]).some((v) => typeof v === 'object' && v !== null);
}

/**
 * MLflow's `compute_numpy_digest(features, targets)`. Each of them may be a dict of arrays, hashed in
 * sorted key order as MLflow does.
 */
export function computeNumpyDigest(
  features: NumpyArrayLike | Readonly<Record<string, NumpyArrayLike>>,
  targets?: NumpyArrayLike | Readonly<Record<string, NumpyArrayLike>>,
): string {
  const md5 = createHash('md5');
  const hashOne = (a: NumpyArrayLike): void => {
    const { flat, shape } = toFlat(a);
    const trimmed = head(flat, DIGEST_MAX_ROWS);
    md5.update(unhashable(trimmed) ? int64LE(trimmed.length) : bytesOf(hashArray(trimmed)));
    for (const d of shape) md5.update(int64LE(d));
  };
  for (const item of [features, targets]) {
    if (item === undefined) continue;
    if (isNumpyArrayLike(item)) hashOne(item);
    else {
      const dict = item as Readonly<Record<string, NumpyArrayLike>>;
      for (const key of Object.keys(dict).sort(compareCodePoints)) hashOne(dict[key] as NumpyArrayLike);
    }
  }
  return md5.digest('hex').slice(0, 8);
}
