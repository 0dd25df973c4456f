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

/** The `/invocations` response body. */
export function predictionsBody(value: unknown): string {
  return JSON.stringify({ predictions: toJsonPredictions(value) });
}
