import { frameToRecords, isFrame, isTensor, tensorToNested } from '@labbook/core';

/**
 * A model's output as MLflow's `predictions_to_json` writes it: a DataFrame as records, an ndarray
 * as nested lists, a dict of arrays as a dict of lists, anything else as JSON. Typed arrays become
 * lists and bigints numbers, since JSON has neither.
 */
export function toJsonPredictions(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (isTensor(value)) return tensorToNested(value);
  if (isFrame(value)) return frameToRecords(value).map((r) => toJsonPredictions(r));
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) {
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Array.from(value, Number);
    return value instanceof DataView ? [] : Array.from(value as unknown as ArrayLike<number>);
  }
  if (Array.isArray(value)) return value.map(toJsonPredictions);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonPredictions(v);
    return out;
  }
  return value;
}

type NumberArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/**
 * A tensor's JSON text straight from its typed array, or undefined where that could differ from
 * `JSON.stringify(tensorToNested(t))` (bigints, non-finite values, scalars, plain arrays). The
 * typed array's own `join` writes each number as JSON does (`Number::toString`) once every value is
 * known finite, without boxing each one into a nested array first.
 */
function tensorJson(t: { shape: readonly number[]; data: unknown }): string | undefined {
  const data = t.data;
  if (!ArrayBuffer.isView(data) || data instanceof BigInt64Array || data instanceof BigUint64Array || data instanceof DataView)
    return undefined;
  const values = data as NumberArray;
  const shape = t.shape;
  if (shape.length === 0 || shape.reduce((a, b) => a * b, 1) !== values.length) return undefined;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return undefined;
  const build = (offset: number, depth: number, stride: number): string => {
    const size = shape[depth]!;
    if (depth === shape.length - 1) return `[${values.subarray(offset, offset + size).join(',')}]`;
    const inner = stride / size;
    const parts: string[] = [];
    for (let i = 0; i < size; i++) parts.push(build(offset + i * inner, depth + 1, inner));
    return `[${parts.join(',')}]`;
  };
  return build(0, 0, values.length);
}

/** The `/invocations` response body. */
export function predictionsBody(value: unknown): string {
  // Flavors answer a tensor or an object of tensors (onnx: by output name): written directly.
  if (isTensor(value)) {
    const text = tensorJson(value);
    if (text !== undefined) return `{"predictions":${text}}`;
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    const parts: string[] = [];
    for (const [key, v] of entries) {
      const text = key !== '__proto__' && isTensor(v) ? tensorJson(v) : undefined;
      if (text === undefined) break;
      parts.push(`${JSON.stringify(key)}:${text}`);
    }
    if (entries.length > 0 && parts.length === entries.length) return `{"predictions":{${parts.join(',')}}}`;
  }
  return JSON.stringify({ predictions: toJsonPredictions(value) });
}
