import type { HashableArray } from './pandas-hash.js';
import { invalidParameter } from '../errors.js';

/** The pandas dtypes {@link inferPandasFrame} can give a column. */
export type PandasDType = 'int64' | 'uint64' | 'float64' | 'bool' | 'object' | 'datetime64[ns]';

/** One column as pandas would hold it after `pd.DataFrame(records)`. */
export interface PandasColumn {
  name: string;
  dtype: PandasDType;
  /** Typed array for numeric dtypes, `boolean[]` for bool, the original values otherwise. */
  values: HashableArray;
  /** True when every value is a Python `str` — MLflow's test for keeping a non-numeric column. */
  allStrings: boolean;
}

/** A JavaScript stand-in for a DataFrame: columns in pandas' order, and the row count. */
export interface PandasFrame {
  columns: PandasColumn[];
  rows: number;
}

// A key absent from a record: pandas fills it with NaN (not None), which matters for dtypes.
const MISSING = Symbol('missing');

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Whether a JS value stands for a Python `int` (rather than a `float`) in the equivalent record. */
function isPyInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}

/**
 * The dtype pandas' `maybe_convert_objects` infers for a column built from records, and the values
 * converted to it. JavaScript has one number type, so a number is taken to be a Python `int` when
 * it is a safe integer and a `float` otherwise: a column of `[1, 2]` is int64 even if the Python
 * side had `[1.0, 2.0]` (which would be float64 — a digest mismatch labbook cannot avoid), and -0
 * is the integer 0.
 */
function inferColumn(name: string, raw: readonly unknown[]): PandasColumn {
  const allStrings = raw.length > 0 && raw.every((v) => typeof v === 'string');
  let strings = 0;
  let bools = 0;
  let ints = 0;
  let floats = 0;
  let nones = 0;
  let missing = 0;
  let dates = 0;
  let other = 0;
  for (const v of raw) {
    if (v === MISSING || v === undefined) missing++;
    else if (v === null) nones++;
    else if (typeof v === 'string') strings++;
    else if (typeof v === 'boolean') bools++;
    else if (isPyInt(v)) ints++;
    else if (typeof v === 'number') floats++;
    else if (v instanceof Date) dates++;
    else other++;
  }
  const values = raw.map((v) => (v === MISSING ? undefined : v));
  const objectColumn = (): PandasColumn => ({ name, dtype: 'object', values, allStrings });
  if (strings > 0 || other > 0) return objectColumn();
  if (dates > 0) {
    // Datetimes (with NaT for gaps) become datetime64, mixed with anything else object; MLflow
    // drops both, so the exact dtype only matters for reporting.
    return dates + nones + missing === raw.length ? { name, dtype: 'datetime64[ns]', values, allStrings } : objectColumn();
  }
  if (bools > 0) {
    return bools === raw.length ? { name, dtype: 'bool', values: values as boolean[], allStrings } : objectColumn();
  }
  // None alone stays object; NaN from a missing key (or a float) makes the column float64.
  if (ints + floats + missing === 0) return objectColumn();
  if (floats > 0 || nones > 0 || missing > 0) {
    const f = new Float64Array(raw.length);
    raw.forEach((v, i) => {
      f[i] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
    });
    return { name, dtype: 'float64', values: canonicalNaN(f), allStrings };
  }
  const big = values.map((v) => BigInt(v as number | bigint));
  if (big.every((v) => v >= INT64_MIN && v <= INT64_MAX)) return { name, dtype: 'int64', values: BigInt64Array.from(big), allStrings };
  if (big.every((v) => v >= 0n && v <= UINT64_MAX)) return { name, dtype: 'uint64', values: BigUint64Array.from(big), allStrings };
  return objectColumn();
}

// numpy's NaN is 0x7ff8000000000000; V8 normally produces the same bits, but nothing guarantees it.
function canonicalNaN(f: Float64Array): Float64Array {
  const bits = new BigUint64Array(f.buffer, f.byteOffset, f.length);
  for (let i = 0; i < f.length; i++) if (Number.isNaN(f[i])) bits[i] = 0x7ff8000000000000n;
  return f;
}

/**
 * The frame `pd.DataFrame(records)` builds: columns in order of first appearance, a key a record
 * lacks (or has as `undefined`) is NaN, `null` is None.
 */
export function inferPandasFrame(records: readonly Record<string, unknown>[]): PandasFrame {
  const names: string[] = [];
  const known = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!known.has(k)) {
        known.add(k);
        names.push(k);
      }
    }
  }
  const columns = names.map((name) =>
    inferColumn(
      name,
      records.map((r) => (Object.hasOwn(r, name) ? r[name] : MISSING)),
    ),
  );
  return { columns, rows: records.length };
}

/** The frame `pd.DataFrame({name: values, …})` builds (no missing keys, so no NaN from gaps). */
export function inferPandasFrameFromColumns(columns: Readonly<Record<string, readonly unknown[]>>): PandasFrame {
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1].length ?? 0;
  for (const [name, vs] of entries) {
    if (vs.length !== rows)
      throw invalidParameter(`Column '${name}' has ${vs.length} values, the first column ${rows}: all arrays must be of the same length.`, {
        field: name,
      });
  }
  return { columns: entries.map(([name, vs]) => inferColumn(name, vs)), rows };
}
