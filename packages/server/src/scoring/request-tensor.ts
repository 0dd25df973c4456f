/**
 * The tensor a scoring request's nested lists become, read once per request so that requests can
 * be stacked for micro-batching (batching.ts). Plain bodies never get here: tensor-body.ts reads
 * them from their bytes (a scanner over the body *text* was 1.5x slower than `JSON.parse`; over
 * the bytes it is 2x faster). This is the path for bodies already parsed as JSON, whose typed
 * array `enforceSchema` then takes as it is.
 *
 * Anything unusual (records, strings, nulls, ragged or empty rows, a shape the signature refuses)
 * answers undefined and the request is predicted on its own, so every error is worded there.
 */
import { isTensorSchema, nestedToTypedTensorData, type Schema, type Tensor, type TensorSpec } from '@labbook/core';

type FloatSpec = TensorSpec & { dtype: 'float32' | 'float64' };

/** What batching needs to know of a signature, worked out once per model. */
export interface TensorBodyPlan {
  spec: FloatSpec;
}

/** A plan for a signature of one float tensor, or undefined when requests are not stacked. */
export function tensorBodyPlan(schema: Schema | undefined): TensorBodyPlan | undefined {
  if (!schema || !isTensorSchema(schema) || schema.length !== 1) return undefined;
  const spec = schema[0]!;
  if (spec.dtype !== 'float32' && spec.dtype !== 'float64') return undefined;
  if (spec.shape.length === 0) return undefined;
  return { spec: spec as FloatSpec };
}

/** Whether a request tensor of `shape` fits the spec's: the same rank, every fixed dimension equal (-1 is any). */
export function fitsShape(spec: TensorSpec, shape: readonly number[]): boolean {
  if (shape.length !== spec.shape.length) return false;
  for (let k = 0; k < shape.length; k++) if (spec.shape[k] !== -1 && spec.shape[k] !== shape[k]) return false;
  return true;
}

/**
 * The request's tensor, when `input` is what parseJsonInput makes of `inputs`/`instances` of
 * numbers (a nested list, or `{name: nested list}` for a named spec), and it fits the signature.
 */
export function requestTensor(input: unknown, plan: TensorBodyPlan): { tensor: Tensor; named: boolean } | undefined {
  const spec = plan.spec;
  let value = input;
  let named = false;
  if (!Array.isArray(input)) {
    if (spec.name === undefined || typeof input !== 'object' || input === null) return undefined;
    const keys = Object.keys(input);
    if (keys.length !== 1 || keys[0] !== spec.name) return undefined;
    value = (input as Record<string, unknown>)[spec.name];
    named = true;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const typed = nestedToTypedTensorData(value, spec.dtype);
  if (!typed || typed.data.length === 0 || !fitsShape(spec, typed.shape)) return undefined;
  return { tensor: { kind: 'tensor', dtype: spec.dtype, shape: typed.shape, data: typed.data }, named };
}
