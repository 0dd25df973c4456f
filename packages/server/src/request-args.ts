/**
 * Reading RPC arguments the way MLflow's handlers do: a parsed JSON body for POST/PATCH/DELETE, the
 * query string for GET (repeated keys for repeated fields). Required means neither absent, null nor
 * `''`; numbers may arrive as strings (int64s, query values).
 */
import { invalidValue, missingValue } from './request-check.js';

/** One request's arguments. */
export type Args = Record<string, unknown>;

/** MLflow's message for a required parameter that is missing. */
export const missing = missingValue;

function scalar(args: Args, name: string): unknown {
  const v = args[name];
  // A repeated query key where one value is expected: the last wins, as protobuf's parser does.
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A required string argument. */
export function required(args: Args, name: string): string {
  const v = scalar(args, name);
  if (v === undefined || v === null || v === '') throw missing(name);
  if (typeof v === 'object') throw invalidValue(name, v);
  return String(v);
}

/** An optional string argument. */
export function optional(args: Args, name: string): string | undefined {
  const v = scalar(args, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') throw invalidValue(name, v);
  return String(v);
}

/** `run_id`, or its deprecated alias `run_uuid`. */
export function runId(args: Args): string {
  const id = optional(args, 'run_id');
  return id !== undefined && id !== '' ? id : required(args, 'run_uuid');
}

/** An optional integer argument (JSON number or decimal string). */
export function optionalInt(args: Args, name: string): number | undefined {
  const v = scalar(args, name);
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw invalidValue(name, v);
  return n;
}

/** An optional boolean argument: JSON true/false or, from a query string, `true`/`false` in any case. */
export function optionalBool(args: Args, name: string): boolean | undefined {
  const v = scalar(args, name);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalidValue(name, v);
}

/** An optional repeated string argument (`?k=a&k=b`, or a JSON array). */
export function optionalList(args: Args, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  for (const item of items) if (item !== null && typeof item === 'object') throw invalidValue(name, v);
  return items.map(String);
}

/** An optional list of `{key, value}` objects (tags, params). */
export function optionalKeyValues(args: Args, name: string): { key: string; value: string }[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalidValue(name, v);
  return v.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidValue(`${name}[${i}]`, item);
    const { key, value } = item as Args;
    if (key !== undefined && key !== null && typeof key === 'object') throw invalidValue(`${name}[${i}].key`, key);
    if (value !== undefined && value !== null && typeof value === 'object') throw invalidValue(`${name}[${i}].value`, value);
    return { key: key === undefined || key === null ? '' : String(key), value: value === undefined || value === null ? '' : String(value) };
  });
}

/** The value of a `key`/`value` RPC (set-tag, log-parameter): absent value is `''`. */
export function tagValue(args: Args): string {
  return optional(args, 'value') ?? '';
}

/** The keys of `T` whose values may be undefined. */
type MaybeUndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * The object without its undefined values: a key that may be undefined becomes optional, so the
 * result fits options whose optional properties are absent rather than present with `undefined`.
 */
export function defined<T extends object>(
  o: T,
): { [K in Exclude<keyof T, MaybeUndefinedKeys<T>>]: T[K] } & { [K in MaybeUndefinedKeys<T>]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
