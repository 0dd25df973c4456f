/** Reading a metric's whole history, by pages or as columns. */
import type { Metric } from '../entities/tracking.js';
import type { MetricHistoryColumns, TrackingStoreMethods } from '../interfaces/tracking-store.js';

// Either side of the guard: these read only the history methods, which v2 stores and guarded stores share.
type HistoryReader = Pick<TrackingStoreMethods, 'getMetricHistory' | 'getMetricHistoryColumns'>;

/** Every point of a metric, following page tokens. */
export async function readWholeMetricHistory(store: HistoryReader, runId: string, key: string): Promise<Metric[]> {
  const first = await store.getMetricHistory(runId, key, {});
  const all = first.items;
  let token = first.nextPageToken;
  while (token) {
    const page = await store.getMetricHistory(runId, key, { pageToken: token });
    // A loop, not push(...items): pages of 100k points would overflow the argument stack.
    for (const m of page.items) all.push(m);
    token = page.nextPageToken;
  }
  return all;
}

/** Points as columns. */
export function metricColumnsOf(points: Metric[]): MetricHistoryColumns {
  const n = points.length;
  const columns: MetricHistoryColumns = {
    length: n,
    step: new Float64Array(n),
    timestamp: new Float64Array(n),
    value: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = points[i] as Metric;
    columns.step[i] = p.step ?? 0;
    columns.timestamp[i] = p.timestamp;
    columns.value[i] = p.value;
  }
  return columns;
}

/** The whole history as columns, from the store's fast path when it has one. */
export function readMetricColumns(store: HistoryReader, runId: string, key: string): Promise<MetricHistoryColumns> {
  if (store.getMetricHistoryColumns) return store.getMetricHistoryColumns(runId, key);
  return readWholeMetricHistory(store, runId, key).then(metricColumnsOf);
}
