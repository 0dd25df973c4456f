import { invalidParameter } from '../errors.js';
import { isTensor } from './tensor.js';

/**
 * A column-based model input, labbook's stand-in for a pandas DataFrame: column names in order and
 * each column's values. Columns of an unnamed frame are labelled `"0"`, `"1"`, …
 */
export interface Frame {
  readonly kind: 'frame';
  readonly columns: string[];
  readonly data: Record<string, unknown[]>;
  readonly length: number;
  /** True when the columns had no names (pandas' default integer labels). */
  readonly unnamed?: boolean;
}

/** The `{columns, data}` shape MLflow calls a "split" DataFrame. */
export interface SplitFrame {
  columns?: string[];
  data: unknown[][];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Date)
    return false;
  return !isTensor(value) && (value as { kind?: unknown }).kind !== 'frame';
}

/** True for a value made by {@link frame} or {@link toFrame}. */
export function isFrame(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'frame' && 'columns' in value;
}

/** True for `{columns?, data: [[…]]}`. */
export function isSplitFrame(value: unknown): value is SplitFrame {
  return (
    isPlainObject(value) &&
    Array.isArray(value.data) &&
    value.data.every(Array.isArray) &&
    (value.columns === undefined || Array.isArray(value.columns))
  );
}

/** Builds a frame from columns (an object of equal-length arrays). */
export function frame(columns: Record<string, unknown[]>): Frame {
  const names = Object.keys(columns);
  const length = names.length === 0 ? 0 : columns[names[0]!]!.length;
  for (const n of names) {
    if (columns[n]!.length !== length)
      throw invalidParameter(
        `Column '${n}' has ${columns[n]!.length} values but column '${names[0]}' has ${length}: all columns need the same length.`,
      );
  }
  return { kind: 'frame', columns: names, data: { ...columns }, length };
}

function fromRows(rows: unknown[][], columns?: string[]): Frame {
  const width = columns?.length ?? Math.max(0, ...rows.map((r) => r.length));
  const names = columns ?? Array.from({ length: width }, (_, i) => String(i));
  const data: Record<string, unknown[]> = {};
  names.forEach((n, j) => {
    data[n] = rows.map((r) => r[j] ?? null);
  });
  return { kind: 'frame', columns: names, data, length: rows.length, ...(columns ? {} : { unnamed: true }) };
}

/**
 * Reads column-based input the way MLflow coerces input to a DataFrame: an array of records; a
 * split `{columns, data}`; an object of arrays (column-wise); an object of scalars (one row); an
 * array of arrays or of scalars (unnamed columns). Returns undefined for anything else.
 */
export function toFrame(input: unknown): Frame | undefined {
  if (isFrame(input)) return input;
  if (isSplitFrame(input)) return fromRows(input.data, input.columns);
  if (Array.isArray(input)) {
    if (input.length > 0 && input.every(isPlainObject)) {
      const names = [...new Set(input.flatMap((r) => Object.keys(r as Record<string, unknown>)))];
      const data: Record<string, unknown[]> = {};
      for (const n of names) data[n] = input.map((r) => (r as Record<string, unknown>)[n] ?? null);
      return { kind: 'frame', columns: names, data, length: input.length };
    }
    if (input.every(Array.isArray)) return fromRows(input as unknown[][]);
    if (input.every((v) => !isPlainObject(v) && !isTensor(v))) return fromRows(input.map((v) => [v]));
    return undefined;
  }
  if (isPlainObject(input)) {
    const values = Object.values(input);
    // Scalars (and scalar-valued dicts) make one row; arrays are columns, as MLflow's _convert_input does.
    if (values.length > 0 && values.every((v) => Array.isArray(v))) return frame(input as Record<string, unknown[]>);
    if (values.every((v) => !Array.isArray(v) && !isTensor(v))) {
      const data: Record<string, unknown[]> = {};
      for (const [k, v] of Object.entries(input)) data[k] = [v];
      return { kind: 'frame', columns: Object.keys(input), data, length: 1 };
    }
  }
  return undefined;
}

/** The frame's rows as records. */
export function frameToRecords(f: Frame): Record<string, unknown>[] {
  return Array.from({ length: f.length }, (_, i) => Object.fromEntries(f.columns.map((c) => [c, f.data[c]![i]])));
}

/** The frame as MLflow's split orient (`columns` left out when unnamed, as MLflow writes examples). */
export function frameToSplit(f: Frame): SplitFrame {
  const data = Array.from({ length: f.length }, (_, i) => f.columns.map((c) => f.data[c]![i]));
  return f.unnamed ? { data } : { columns: [...f.columns], data };
}
