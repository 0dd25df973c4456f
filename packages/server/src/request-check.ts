/**
 * Checks a request against its MLflow schema ({@link RpcSchema}) the way MLflow's
 * `_get_request_message` does: protobuf parses the arguments (strict JSON types: a string field
 * takes a string, an int64 a whole number or its decimal text, a double a number or its text, a
 * bool only true/false); the handler's checks then run in order, the type checks only when parsing
 * failed. The first failure is answered with MLflow's text. A type error MLflow's handler does not
 * check (a nested field, one without a validator) is refused with the same text rather than
 * half-parsed as MLflow would.
 */
import { LabbookError } from '@labbook/core';
import type { Args } from './request-args.js';
import type { Check, Field, MessageFields, RpcSchema } from './wire-schemas.js';

const SEE_DOCS = ' See the API docs for more information about request parameters.';
/** How much of a refused value an error message shows. */
const SHOWN_CHARS = 200;
const SHOWN_DEPTH = 4;

/** Python's `type(value).__name__` for a JSON value, as MLflow's hints name it. */
function pythonType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return Array.isArray(value) ? 'list' : 'dict';
}

function pythonRepr(value: unknown, depth: number): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pythonStr(value, depth);
}

/**
 * Python's `str(value)` (what MLflow's f-string prints), bounded in depth and length: the value is
 * the client's and may nest thousands of levels or run to megabytes.
 */
function pythonStr(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (depth >= SHOWN_DEPTH) return Array.isArray(value) ? '[...]' : '{...}';
  let out = '';
  if (Array.isArray(value)) {
    out = '[';
    for (let k = 0; k < value.length && out.length < SHOWN_CHARS; k++) out += `${k > 0 ? ', ' : ''}${pythonRepr(value[k], depth + 1)}`;
    return `${out}]`;
  }
  out = '{';
  let first = true;
  for (const [k, v] of Object.entries(value as object)) {
    if (out.length >= SHOWN_CHARS) break;
    out += `${first ? '' : ', '}${pythonRepr(k, depth + 1)}: ${pythonRepr(v, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

function shown(value: unknown): string {
  const text = pythonStr(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

/** MLflow's "Invalid value" error for one parameter. */
export function invalidValue(param: string, value: unknown): LabbookError {
  return new LabbookError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${shown(value)} for parameter '${param}' supplied. Hint: Value was of type '${pythonType(value)}'.${SEE_DOCS}`,
    { field: param },
  );
}

/** MLflow's "Missing value" error for one parameter. */
export function missingValue(param: string): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${param}'.${SEE_DOCS}`, { field: param });
}

const INT_TEXT = /^[+-]?\d+$/;
// Python's float(): decimal or exponent forms, inf/infinity/nan in any case, surrounding spaces.
const FLOAT_TEXT = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)\s*$/i;

function isInt(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  return typeof value === 'string' && INT_TEXT.test(value) && Number.isSafeInteger(Number(value));
}

function isDouble(value: unknown): boolean {
  if (typeof value === 'number') return true;
  return typeof value === 'string' && (FLOAT_TEXT.test(value) || value === 'Infinity' || value === '-Infinity' || value === 'NaN');
}

function isObject(value: unknown): value is Args {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Every request is checked against one of a fixed set of schemas: their entries are listed once,
// not by Object.entries on each request.
const fieldLists = new WeakMap<MessageFields, readonly (readonly [string, Field])[]>();
function fieldsOf(fields: MessageFields): readonly (readonly [string, Field])[] {
  let list = fieldLists.get(fields);
  if (list === undefined) {
    list = Object.entries(fields);
    fieldLists.set(fields, list);
  }
  return list;
}

/** A refused value and where it is below the field being parsed (`''`, `.key`, `.tags[1].value`). */
interface ParseError {
  path: string;
  value: unknown;
}

/**
 * Whether one (non-repeated) value parses as the field's type; nested messages are walked. The
 * path is only built for the value refused, so a well-formed request allocates none.
 */
function parsesAs(field: Field, value: unknown): ParseError | undefined {
  const { type } = field;
  if (type.kind === 'message') {
    if (!isObject(value)) return { path: '', value };
    const error = firstParseError(type.fields, value);
    return error && { path: `.${error.path}`, value: error.value };
  }
  if (type.kind === 'enum') {
    // By name, or by number (a JSON number or its decimal text), as protobuf's JSON parser reads enums.
    const number = typeof value === 'number' ? value : typeof value === 'string' && INT_TEXT.test(value) ? Number(value) : undefined;
    const ok =
      (typeof value === 'string' && Object.hasOwn(type.values, value)) ||
      (number !== undefined && Object.values(type.values).includes(number));
    return ok ? undefined : { path: '', value };
  }
  const ok =
    type.type === 'string'
      ? typeof value === 'string'
      : type.type === 'int'
        ? isInt(value)
        : type.type === 'double'
          ? isDouble(value)
          : typeof value === 'boolean';
  return ok ? undefined : { path: '', value };
}

/**
 * The first field protobuf's parser would refuse, with its path (`metrics[2].value`). Unknown keys
 * are ignored and null means absent, as with `ParseDict(ignore_unknown_fields=True)`. The walk
 * follows the schema, so its depth is the schema's, whatever the body nests.
 */
function firstParseError(fields: MessageFields, args: Args): ParseError | undefined {
  for (const [name, field] of fieldsOf(fields)) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      if (!Array.isArray(value)) return { path: name, value };
      for (let k = 0; k < value.length; k++) {
        const error = parsesAs(field, value[k]);
        if (error) return { path: `${name}[${k}]${error.path}`, value: error.value };
      }
    } else {
      const error = parsesAs(field, value);
      if (error) return { path: `${name}${error.path}`, value: error.value };
    }
  }
  return undefined;
}

/** Python's int()/float() as MLflow's `_assert_intlike`/`_assert_floatlike` use them. */
function pythonIntLike(value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value);
}

function pythonFloatLike(value: unknown): boolean {
  if (typeof value === 'boolean' || typeof value === 'number') return true;
  return typeof value === 'string' && FLOAT_TEXT.test(value);
}

const TYPE_CHECKS = new Set<Check>(['string', 'int', 'double', 'bool', 'array', 'items:string']);

/** Runs one MLflow check; returns the error it raises, if any. */
function runCheck(check: Check, param: string, value: unknown): LabbookError | undefined {
  if (check === 'required') return value === undefined || value === null || value === '' ? missingValue(param) : undefined;
  if (check === 'string') return typeof value === 'string' ? undefined : invalidValue(param, value);
  if (check === 'int') return pythonIntLike(value) ? undefined : invalidValue(param, value);
  if (check === 'double') return pythonFloatLike(value) ? undefined : invalidValue(param, value);
  if (check === 'bool') return typeof value === 'boolean' ? undefined : invalidValue(param, value);
  if (check === 'array') return Array.isArray(value) ? undefined : invalidValue(param, value);
  if (check === 'items:string')
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : invalidValue(param, value);
  if ('max' in check) {
    return Number(value) > check.max
      ? check.message === undefined
        ? invalidValue(param, value)
        : new LabbookError('INVALID_PARAMETER_VALUE', `${check.message}${SEE_DOCS}`, { field: param, limit: check.max })
      : undefined;
  }
  if ('range' in check) {
    const n = Math.trunc(Number(value));
    const [low, high] = check.range;
    return n < low || n > high
      ? new LabbookError('INVALID_PARAMETER_VALUE', `${check.message}${SEE_DOCS}`, { field: param, limit: high })
      : undefined;
  }
  if ('maxItems' in check) {
    const count = Array.isArray(value) ? value.length : 0;
    return count > check.maxItems
      ? new LabbookError('INVALID_PARAMETER_VALUE', `${check.message(count)}${SEE_DOCS}`, { field: param, limit: check.maxItems })
      : undefined;
  }
  if (!Array.isArray(value)) return undefined;
  for (let k = 0; k < value.length; k++) {
    const item = value[k];
    if (!isObject(item)) return invalidValue(`${param}[${k}]`, item);
    for (const key of check.itemsRequire) {
      const v = item[key];
      if (v === undefined || v === null || v === '') return missingValue(`${param}[${k}].${key}`);
    }
  }
  return undefined;
}

/**
 * Throws MLflow's error for the first thing wrong with `args`, or returns when the request is
 * well-formed. `run_uuid` stands in for a missing `run_id`, as in MLflow.
 */
export function checkRequest(schema: RpcSchema, args: Args): Args {
  const parseError = firstParseError(schema.fields, args);
  for (const { param, checks, required } of checksOf(schema)) {
    if (!required && !(param in args)) continue;
    let value = args[param];
    if (param === 'run_id' && (value === undefined || value === null) && 'run_uuid' in args) value = args.run_uuid;
    for (const check of checks) {
      if (parseError === undefined && TYPE_CHECKS.has(check)) continue;
      const error = runCheck(check, param, value);
      if (error) throw error;
    }
  }
  if (parseError) throw invalidValue(parseError.path, parseError.value);
  return enumsByName(schema, args);
}

const checkLists = new WeakMap<RpcSchema, readonly { param: string; checks: readonly Check[]; required: boolean }[]>();
function checksOf(schema: RpcSchema): readonly { param: string; checks: readonly Check[]; required: boolean }[] {
  let list = checkLists.get(schema);
  if (list === undefined) {
    list = Object.entries(schema.checks).map(([param, checks]) => ({ param, checks, required: checks.includes('required') }));
    checkLists.set(schema, list);
  }
  return list;
}

/** Enum fields sent by number (`"status": 3`) as their names, which is what the stores take. */
function enumsByName(schema: RpcSchema, args: Args): Args {
  let out = args;
  for (const [name, field] of fieldsOf(schema.fields)) {
    if (field.type.kind !== 'enum') continue;
    const value = args[name];
    if (value === undefined || value === null || Object.hasOwn(field.type.values, String(value))) continue;
    const number = Number(value);
    const entry = Object.entries(field.type.values).find(([, n]) => n === number);
    if (entry) out = { ...out, [name]: entry[0] };
  }
  return out;
}

/**
 * The arguments of a GET request as MLflow reads its query string: only the message's fields, the
 * first value of a scalar and every value of a repeated field; bools `true`/`false` in any case.
 */
export function queryArgs(schema: RpcSchema, query: Record<string, unknown>): Args {
  const args: Args = {};
  for (const [name, field] of Object.entries(schema.fields)) {
    const raw = query[name];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    if (field.repeated) {
      args[name] = values;
      continue;
    }
    const value = values[0];
    if (field.type.kind === 'scalar' && field.type.type === 'bool' && typeof value === 'string') {
      if (!/^(true|false)$/i.test(value)) {
        throw new LabbookError('INVALID_PARAMETER_VALUE', `Invalid boolean value: ${shown(value)}, must be 'true' or 'false'.`, {
          field: name,
        });
      }
      args[name] = value.toLowerCase() === 'true';
    } else args[name] = value;
  }
  return args;
}

/**
 * MLflow turns numeric experiment ids into strings before parsing (clients of MLflow 1.x sent
 * integers), so `{"experiment_id": 0}` is the Default experiment.
 */
export function stringifyExperimentIds(args: Args): Args {
  const fix = (v: unknown) => (typeof v === 'number' ? String(v) : v);
  if (!('experiment_id' in args) && !('experiment_ids' in args)) return args;
  const out = { ...args };
  if ('experiment_id' in out) out.experiment_id = fix(out.experiment_id);
  if (Array.isArray(out.experiment_ids)) out.experiment_ids = out.experiment_ids.map(fix);
  return out;
}
