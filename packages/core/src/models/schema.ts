import { invalidParameter } from '../errors.js';
import { TENSOR_DTYPES, type TensorDType } from './tensor.js';

/** MLflow's scalar column types (`DataType`): `integer` is int32, `long` int64, `float` float32, `double` float64. */
export type DataTypeName = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'datetime';

/** A column's type: a scalar, or MLflow's composite Array / Object / Map / Any types. */
export type ColumnType =
  | DataTypeName
  | 'any'
  | 'sparkml_vector'
  | { type: 'array'; items: ColumnType }
  | { type: 'object'; properties: Record<string, { type: ColumnType; required: boolean }> }
  | { type: 'map'; values: ColumnType };

/** One column of a column-based schema (MLflow's `ColSpec`). */
export interface ColSpec {
  kind: 'column';
  name?: string;
  type: ColumnType;
  /** False for optional columns; MLflow's default is true. */
  required: boolean;
}

/** One tensor of a tensor-based schema (MLflow's `TensorSpec`); `-1` in `shape` is a variable dimension. */
export interface TensorSpec {
  kind: 'tensor';
  name?: string;
  dtype: TensorDType;
  shape: number[];
}

/** A schema: all columns or all tensors, all named or all unnamed (as MLflow requires). */
export type Schema = ColSpec[] | TensorSpec[];

/** One inference parameter (MLflow's `ParamSpec`): `shape` is `null` for a scalar, `[-1]` for a list. */
export interface ParamSpec {
  name: string;
  type: DataTypeName | 'object';
  default: unknown;
  shape: number[] | null;
  /** For `object` params: the properties, as in an Object column type. */
  properties?: Record<string, { type: ColumnType; required: boolean }>;
}

const DATA_TYPES: readonly string[] = ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'];

/** True when every spec of the schema is a tensor. */
export function isTensorSchema(schema: Schema): schema is TensorSpec[] {
  return schema.length > 0 && schema.every((s) => s.kind === 'tensor');
}

/** The names of a schema's specs; empty when unnamed. */
export function schemaNames(schema: Schema): string[] {
  return schema.flatMap((s) => (s.name === undefined ? [] : [s.name]));
}

/** Checks the rules MLflow's `Schema.__init__` enforces and returns the schema. */
export function checkSchema(schema: Schema, what = 'schema'): Schema {
  if (schema.length === 0) throw invalidParameter(`The ${what} is empty: give at least one column or tensor.`);
  const kinds = new Set(schema.map((s) => s.kind));
  if (kinds.size > 1) throw invalidParameter(`The ${what} mixes columns and tensors: MLflow requires all ColSpec or all TensorSpec.`);
  const named = schema.filter((s) => s.name !== undefined).length;
  if (named !== 0 && named !== schema.length)
    throw invalidParameter(`The ${what} mixes named and unnamed specs: name all of them or none.`);
  if (named === 0 && isTensorSchema(schema) && schema.length > 1) {
    throw invalidParameter(`The ${what} has ${schema.length} unnamed tensors: MLflow allows at most one; name them.`);
  }
  if (named === 0) {
    for (const s of schema)
      if (s.kind === 'column' && !s.required)
        throw invalidParameter(`The ${what} has an optional unnamed column: unnamed columns must be required.`);
  }
  return schema;
}

// ---- JSON (the strings inside MLmodel's `signature`) ----

function columnTypeToJson(type: ColumnType): Record<string, unknown> {
  if (typeof type === 'string') return { type };
  if (type.type === 'array') return { type: 'array', items: columnTypeToJson(type.items) };
  if (type.type === 'map') return { type: 'map', values: columnTypeToJson(type.values) };
  // MLflow sorts object properties by name.
  const properties: Record<string, unknown> = {};
  for (const key of Object.keys(type.properties).sort()) {
    const p = type.properties[key]!;
    properties[key] = { ...columnTypeToJson(p.type), required: p.required };
  }
  return { type: 'object', properties };
}

function columnTypeFromJson(value: unknown, where: string): ColumnType {
  const d = (typeof value === 'string' ? { type: value } : value) as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || typeof d.type !== 'string') throw invalidParameter(`${where}: a column type needs a 'type' string.`);
  const t = d.type;
  if (DATA_TYPES.includes(t) || t === 'any' || t === 'sparkml_vector') return t as ColumnType;
  if (t === 'array') return { type: 'array', items: columnTypeFromJson(d.items, `${where}.items`) };
  if (t === 'map') return { type: 'map', values: columnTypeFromJson(d.values, `${where}.values`) };
  if (t === 'object') {
    const props = d.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props || typeof props !== 'object') throw invalidParameter(`${where}: an object type needs 'properties'.`);
    const properties: Record<string, { type: ColumnType; required: boolean }> = {};
    for (const [k, p] of Object.entries(props)) {
      properties[k] = { type: columnTypeFromJson(p, `${where}.properties.${k}`), required: p.required !== false };
    }
    return { type: 'object', properties };
  }
  throw invalidParameter(`${where}: unknown column type '${t}'. Known: ${[...DATA_TYPES, 'array', 'object', 'map', 'any'].join(', ')}.`);
}

/** A schema as the JSON array MLflow's `Schema.to_json()` writes. */
export function schemaToJson(schema: Schema): Record<string, unknown>[] {
  return schema.map((s) => {
    if (s.kind === 'tensor') {
      return { ...(s.name !== undefined ? { name: s.name } : {}), type: 'tensor', 'tensor-spec': { dtype: s.dtype, shape: s.shape } };
    }
    const typeDict = columnTypeToJson(s.type);
    return s.name === undefined ? { ...typeDict, required: s.required } : { ...typeDict, name: s.name, required: s.required };
  });
}

/** Parses MLflow's schema JSON (a string or the parsed array). */
export function schemaFromJson(json: string | unknown[], what = 'schema'): Schema {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (!Array.isArray(parsed)) throw invalidParameter(`The ${what} must be a JSON array of column or tensor specs.`);
  const specs = parsed.map((raw, i): ColSpec | TensorSpec => {
    const d = raw as Record<string, unknown>;
    const where = `${what}[${i}]`;
    const name = typeof d.name === 'string' ? d.name : undefined;
    if (d.type === 'tensor') {
      const ts = d['tensor-spec'] as { dtype?: unknown; shape?: unknown } | undefined;
      const dtype = String(ts?.dtype ?? '');
      if (!TENSOR_DTYPES.includes(dtype as TensorDType)) {
        throw invalidParameter(`${where}: tensor dtype '${dtype}' is not supported by labbook. Supported: ${TENSOR_DTYPES.join(', ')}.`);
      }
      const shape = Array.isArray(ts?.shape) ? ts.shape.map(Number) : [];
      return { kind: 'tensor', ...(name !== undefined ? { name } : {}), dtype: dtype as TensorDType, shape };
    }
    // MLflow 2.x still reads the legacy `optional` flag.
    const required = d.required !== undefined ? d.required !== false : d.optional !== true;
    return { kind: 'column', ...(name !== undefined ? { name } : {}), type: columnTypeFromJson(d, where), required };
  });
  return checkSchema(specs as Schema, what);
}

/** Params as the JSON array MLflow's `ParamSchema.to_json()` writes. */
export function paramSchemaToJson(params: ParamSpec[]): Record<string, unknown>[] {
  return params.map((p) => {
    const base: Record<string, unknown> = {
      name: p.name,
      default: p.default instanceof Date ? p.default.toISOString() : p.default,
      shape: p.shape,
      type: p.type,
    };
    if (p.type === 'object' && p.properties) {
      return { ...base, ...columnTypeToJson({ type: 'object', properties: p.properties }) };
    }
    return base;
  });
}

/** Parses MLflow's ParamSchema JSON; `dtype` is accepted in place of `type` as MLflow does. */
export function paramSchemaFromJson(json: string | unknown[]): ParamSpec[] {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (!Array.isArray(parsed)) throw invalidParameter('The params schema must be a JSON array of {name, type, default, shape}.');
  return parsed.map((raw, i) => {
    const d = raw as Record<string, unknown>;
    const type = String(d.type ?? d.dtype ?? '');
    if (typeof d.name !== 'string') throw invalidParameter(`params[${i}] needs a name.`);
    if (type !== 'object' && !DATA_TYPES.includes(type)) throw invalidParameter(`params[${i}] ('${d.name}') has unknown type '${type}'.`);
    if (type === 'binary') throw invalidParameter(`params[${i}] ('${d.name}'): binary params are not allowed (as in MLflow).`);
    const spec: ParamSpec = {
      name: d.name,
      type: type as ParamSpec['type'],
      default: d.default ?? null,
      shape: Array.isArray(d.shape) ? d.shape.map(Number) : null,
    };
    if (type === 'object') {
      const obj = columnTypeFromJson(d, `params[${i}]`);
      if (typeof obj === 'object' && obj.type === 'object') spec.properties = obj.properties;
    }
    return spec;
  });
}

/** A column type as MLflow names it in messages (`long`, `Array(string)`…). */
export function columnTypeName(type: ColumnType): string {
  if (typeof type === 'string') return type;
  if (type.type === 'array') return `Array(${columnTypeName(type.items)})`;
  if (type.type === 'map') return `Map(str -> ${columnTypeName(type.values)})`;
  return `Object(${Object.keys(type.properties).join(', ')})`;
}
