import { join } from 'node:path';
import type { Metric } from '@labbook/core/plugin';
import { formatModelMetricLine } from './logged-model-files.js';
import { liveModel } from './logged-model-folders.js';
import { appendMetricLines } from './run-metrics.js';
import type { StoreContext } from './store-context.js';

/** Lines to append to each model's metric files, by metrics folder then key. */
export type ModelMetricLines = Map<string, Map<string, string>>;

/**
 * The model metric lines of a batch: points carrying `modelId`, grouped per model folder. Every model
 * is looked up here, before the batch writes anything, so an unknown or deleted model fails the
 * batch whole (RESOURCE_DOES_NOT_EXIST) instead of after the run's files changed.
 */
export function modelMetricLines(ctx: StoreContext, runId: string, metrics: readonly Metric[]): ModelMetricLines {
  const out: ModelMetricLines = new Map();
  const dirs = new Map<string, string>();
  for (const m of metrics) {
    if (!m.modelId) continue;
    let dir = dirs.get(m.modelId);
    if (dir === undefined) {
      dir = join(liveModel(ctx, m.modelId).loc.modelDir, 'metrics');
      dirs.set(m.modelId, dir);
    }
    let byKey = out.get(dir);
    if (!byKey) {
      byKey = new Map();
      out.set(dir, byKey);
    }
    byKey.set(m.key, (byKey.get(m.key) ?? '') + formatModelMetricLine(m, runId));
  }
  return out;
}

/** Appends the lines of {@link modelMetricLines}, one write per model and key. */
export async function appendModelMetrics(ctx: StoreContext, lines: ModelMetricLines): Promise<void> {
  for (const [dir, byKey] of lines) await appendMetricLines(ctx, dir, byKey);
}
