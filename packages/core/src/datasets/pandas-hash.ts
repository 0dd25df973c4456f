/**
 * A port of the parts of pandas' `pandas.core.util.hashing` (pandas 1.5–2.x) that MLflow's dataset
 * digests depend on: `hash_array`, `combine_hash_arrays` and `hash_pandas_object` for a DataFrame
 * with a RangeIndex. Every value is a uint64 (`bigint` masked to 64 bits) so results can be
 * compared bit for bit with `pd.util.hash_pandas_object(df).values`.
 *
 * Verified against pandas 1.5.3 / numpy 1.24 by test/fixtures/datasets/make_digests.py.
 */
import { LabbookError } from '../errors.js';

const U64 = (1n << 64n) - 1n;

/** pandas' `_default_hash_key`: the SipHash key for object (string) values. */
export const PANDAS_HASH_KEY = '0123456789123456';

/** What pandas writes for a missing value in an object array (`lib.u8max`). */
export const PANDAS_NA_HASH = U64;

/** The numeric arrays numpy views as unsigned integers before mixing. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * An array as `hash_array` sees it: a numeric typed array (numpy's numeric dtypes), `boolean[]`
 * (dtype `bool`) or any other plain array (dtype `object`; strings, with null/undefined/NaN as NA).
 */
export type HashableArray = NumericArray | readonly boolean[] | readonly unknown[];

// pandas' splitmix64-style finaliser, applied to every element after it became a uint64.
function mix(v: bigint): bigint {
  let x = v;
  x ^= x >> 30n;
  x = (x * 0xbf58476d1ce4e5b9n) & U64;
  x ^= x >> 27n;
  x = (x * 0x94d049bb133111ebn) & U64;
  x ^= x >> 31n;
  return x;
}

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & U64;
}

function readU64LE(bytes: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(bytes[at + j] ?? 0);
  return v;
}

/** SipHash-2-4 of `data` (pandas' vendored reference implementation, output read little-endian). */
export function siphash24(data: Uint8Array, key: Uint8Array): bigint {
  const k0 = readU64LE(key, 0);
  const k1 = readU64LE(key, 8);
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & U64;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & U64;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & U64;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & U64;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const end = data.length - (data.length % 8);
  for (let i = 0; i < end; i += 8) {
    const m = readU64LE(data, i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let b = BigInt(data.length & 0xff) << 56n;
  for (let j = 0; j < data.length - end; j++) b |= BigInt(data[end + j] ?? 0) << BigInt(8 * j);
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/**
 * UTF-8 with Python's `surrogatepass` error handler, as pandas encodes strings: a lone surrogate
 * becomes its 3-byte form instead of TextEncoder's U+FFFD, so such strings still hash like Python's.
 */
export function utf8SurrogatePass(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

const HASH_KEY_BYTES = new TextEncoder().encode(PANDAS_HASH_KEY);

function isNA(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

// pandas falls back to `astype(str)` when an object array holds non-strings; this is a best-effort
// Python `str()` (exact for strings, booleans, bigints and safe integers, not for every float).
function pythonStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v).includes('.') || String(v).includes('e') ? String(v) : `${v}.0`;
  return String(v);
}

/** pandas' `hash_object_array` for one non-NA value, followed by the mixer as in `_hash_ndarray`. */
function hashObject(v: unknown): bigint {
  return mix(siphash24(utf8SurrogatePass(pythonStr(v)), HASH_KEY_BYTES));
}

function unsignedView(values: NumericArray): Uint8Array | Uint16Array | Uint32Array | BigUint64Array {
  const { buffer, byteOffset, length } = values;
  if (values instanceof Float64Array || values instanceof BigInt64Array || values instanceof BigUint64Array)
    return new BigUint64Array(buffer, byteOffset, length);
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint32Array)
    return new Uint32Array(buffer, byteOffset, length);
  if (values instanceof Int16Array || values instanceof Uint16Array) return new Uint16Array(buffer, byteOffset, length);
  return new Uint8Array(buffer, byteOffset, length);
}

/**
 * `pd.util.hash_array(values)` with pandas' defaults (`categorize=True`, utf8, the default key).
 * Numeric arrays are reinterpreted bit for bit as numpy's `view('uN').astype('u8')` does, so
 * -0.0 and 0.0 (and NaN payloads) hash differently, exactly as in pandas; narrower types are
 * zero-extended (an int32 -1 is 0xffffffff). Object arrays are factorized first, which gives the
 * same hash to equal values and `PANDAS_NA_HASH` to null/undefined/NaN.
 */
export function hashArray(values: HashableArray): BigUint64Array {
  const out = new BigUint64Array(values.length);
  if (ArrayBuffer.isView(values)) {
    const view = unsignedView(values);
    for (let i = 0; i < view.length; i++) out[i] = mix(BigInt(view[i] ?? 0));
    return out;
  }
  const plain = values as readonly unknown[];
  if (plain.length > 0 && plain.every((v) => typeof v === 'boolean')) {
    const t = mix(1n);
    for (let i = 0; i < plain.length; i++) out[i] = plain[i] ? t : 0n;
    return out;
  }
  // Factorizing means each distinct value is hashed once, as pandas' categorical path does.
  const seen = new Map<unknown, bigint>();
  for (let i = 0; i < plain.length; i++) {
    const v = plain[i];
    if (isNA(v)) {
      out[i] = PANDAS_NA_HASH;
      continue;
    }
    let h = seen.get(v);
    if (h === undefined) {
      h = hashObject(v);
      seen.set(v, h);
    }
    out[i] = h;
  }
  return out;
}

/** pandas' `combine_hash_arrays`: folds per-column hashes into one per row, in the given order. */
export function combineHashArrays(arrays: readonly BigUint64Array[], numItems: number): BigUint64Array {
  const first = arrays[0];
  if (first === undefined) return new BigUint64Array(0);
  if (arrays.length !== numItems)
    throw new LabbookError(
      'INTERNAL_ERROR',
      `Fed in wrong num_items: ${arrays.length} arrays, ${numItems} items (a bug in labbook's dataset digest: please report it).`,
    );
  const out = new BigUint64Array(first.length).fill(0x345678n);
  let mult = 1000003n;
  arrays.forEach((a, i) => {
    const inverse = BigInt(numItems - i);
    for (let r = 0; r < out.length; r++) out[r] = (((out[r] ?? 0n) ^ (a[r] ?? 0n)) * mult) & U64;
    mult = (mult + 82520n + inverse + inverse) & U64;
  });
  for (let r = 0; r < out.length; r++) out[r] = ((out[r] ?? 0n) + 97531n) & U64;
  return out;
}

/**
 * `pd.util.hash_pandas_object(df)` (index=True) for a frame with the default RangeIndex
 * `0..rows-1`: each column's `hash_array`, then the index's, combined row by row.
 */
export function hashPandasObject(columns: readonly HashableArray[], rows: number): BigUint64Array {
  const index = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) index[i] = BigInt(i);
  return combineHashArrays([...columns.map(hashArray), hashArray(index)], columns.length + 1);
}
