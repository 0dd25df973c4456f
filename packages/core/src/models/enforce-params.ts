import { invalidParameter } from '../errors.js';
import type { ParamSpec } from './schema.js';

function convertParam(value: unknown, spec: ParamSpec): unknown {
  const one = (v: unknown): unknown => {
    switch (spec.type) {
      case 'integer':
      case 'long':
        if (typeof v === 'number' && Number.isInteger(v)) return v;
        if (typeof v === 'bigint') return Number(v);
        break;
      case 'float':
      case 'double':
        if (typeof v === 'number') return v;
        break;
      case 'boolean':
        if (typeof v === 'boolean') return v;
        break;
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'datetime': {
        const d = v instanceof Date ? v : new Date(v as string);
        if (!Number.isNaN(d.getTime())) return d;
        break;
      }
      case 'object':
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
        break;
      default:
        return v;
    }
    throw invalidParameter(`Failed to convert value ${JSON.stringify(v)} from type ${typeof v} to ${spec.type}`);
  };
  if (spec.shape === null) {
    if (Array.isArray(value)) throw invalidParameter(`Value must be a scalar for type \`${spec.type}\``);
    return one(value);
  }
  if (!Array.isArray(value))
    throw invalidParameter(`Value must be a 1D array with shape (-1,) for param '${spec.name}': received ${typeof value}`);
  return value.map(one);
}

/**
 * Params checked as MLflow's `_validate_params`: no params schema → params ignored with a warning;
 * unknown keys dropped with a warning; missing keys take the default; values converted, failures
 * collected into one `INVALID_PARAMETER_VALUE` error naming every bad param.
 */
export function enforceParams(params: unknown, schema: ParamSpec[] | undefined): Record<string, unknown> {
  if (!schema || schema.length === 0) {
    if (params !== undefined && params !== null && Object.keys(params as object).length > 0) {
      process.emitWarning(
        '`params` can only be specified at inference time if the model signature defines a params schema. This model does not define a params schema. Ignoring provided params.',
        {
          code: 'LABBOOK_SCHEMA',
        },
      );
    }
    return {};
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw invalidParameter(`Parameters must be a dictionary. Got type '${Array.isArray(params) ? 'list' : typeof params}'.`, {
      field: 'params',
    });
  }
  const given = (params ?? {}) as Record<string, unknown>;
  const extra = Object.keys(given).filter((k) => !schema.some((s) => s.name === k));
  if (extra.length > 0)
    process.emitWarning(
      `Unrecognized params ${extra.join(', ')} are ignored for inference. Supported params are: ${schema.map((s) => s.name).join(', ')}.`,
      { code: 'LABBOOK_SCHEMA' },
    );
  const out: Record<string, unknown> = {};
  const invalid: Record<string, string> = {};
  for (const spec of schema) {
    if (!(spec.name in given) || given[spec.name] === undefined) {
      out[spec.name] = spec.default;
      continue;
    }
    try {
      out[spec.name] = convertParam(given[spec.name], spec);
    } catch (error) {
      invalid[spec.name] = (error as Error).message;
    }
  }
  if (Object.keys(invalid).length > 0) {
    throw invalidParameter(`Invalid parameters found: ${JSON.stringify(invalid)}. Pass values of the types in the model's params schema.`, {
      field: `params.${Object.keys(invalid)[0]}`,
    });
  }
  return out;
}
