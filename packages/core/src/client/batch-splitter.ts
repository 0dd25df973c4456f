import type { Metric, Param, RunTag } from '../entities/tracking.js';
import type { LogBatchInput } from '../interfaces/tracking-store.js';
import { LIMITS } from '../validation/limits.js';

/**
 * Splits a batch of any size into requests within MLflow's limits, the way MLflow's client does:
 * params and tags in chunks of at most 100, and metrics filling each request up to 1000 entities.
 */
export function splitBatch(batch: LogBatchInput): Required<LogBatchInput>[] {
  const metrics: Metric[] = [...(batch.metrics ?? [])];
  const params: Param[] = [...(batch.params ?? [])];
  const tags: RunTag[] = [...(batch.tags ?? [])];
  const out: Required<LogBatchInput>[] = [];
  while (params.length > 0 || tags.length > 0 || metrics.length > 0) {
    const p = params.splice(0, LIMITS.batchParams);
    const t = tags.splice(0, LIMITS.batchTags);
    const room = Math.min(LIMITS.batchMetrics, LIMITS.batchTotal - p.length - t.length);
    const m = metrics.splice(0, room);
    out.push({ metrics: m, params: p, tags: t });
  }
  return out;
}
