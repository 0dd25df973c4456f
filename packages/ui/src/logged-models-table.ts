/**
 * The logged models table (MLflow 3): fixed attribute columns, one column per metric and param key,
 * and the sort state the header clicks build, as `logged-models/search` `order_by` objects.
 */
import type { LoggedModel, LoggedModelOrder, Metric } from './api/types';
import { formatMetric } from './formatting';

/** Attributes the server can order logged models by (metrics are the only other order key). */
export type ModelAttribute = 'name' | 'status' | 'model_type' | 'source_run_id' | 'creation_timestamp';

/** A sortable column: an attribute, or a metric by its latest value. Params cannot be ordered by the server. */
export type ModelSortColumn = { kind: 'attribute'; key: ModelAttribute } | { kind: 'metric'; key: string };

export interface ModelSort {
  column: ModelSortColumn;
  descending: boolean;
}

/** Newest first, as a page of logged models opens. */
export const DEFAULT_MODEL_SORT: ModelSort = { column: { kind: 'attribute', key: 'creation_timestamp' }, descending: true };

/** The `order_by` of a sort; the model id breaks ties so pages never overlap or skip a model. */
export function orderByOf(sort: ModelSort): LoggedModelOrder[] {
  const field_name = sort.column.kind === 'metric' ? `metrics.${sort.column.key}` : sort.column.key;
  return [{ field_name, ascending: !sort.descending }, ...(field_name === 'model_id' ? [] : [{ field_name: 'model_id', ascending: true }])];
}

/** The sort after a click on `column`: the same column flips, another starts descending. */
export function nextSort(current: ModelSort, column: ModelSortColumn): ModelSort {
  return sameColumn(current.column, column) ? { column, descending: !current.descending } : { column, descending: true };
}

/** Whether two sort columns are the same. */
export function sameColumn(a: ModelSortColumn, b: ModelSortColumn): boolean {
  return a.kind === b.kind && a.key === b.key;
}

/** A short key for a sort, for effect dependencies and list resets. */
export function sortKeyOf(sort: ModelSort): string {
  return `${sort.column.kind}:${sort.column.key}:${sort.descending ? 'desc' : 'asc'}`;
}

/**
 * The latest value of each metric of a model: the highest step, then the newest timestamp, whatever
 * the dataset (the value the server orders by when no dataset is named).
 */
export function latestMetrics(metrics: Metric[] | undefined): Map<string, Metric> {
  const latest = new Map<string, Metric>();
  for (const m of metrics ?? []) {
    const seen = latest.get(m.key);
    const step = m.step ?? 0;
    const seenStep = seen?.step ?? 0;
    if (!seen || step > seenStep || (step === seenStep && m.timestamp >= seen.timestamp)) latest.set(m.key, m);
  }
  return latest;
}

/** A model flattened for the table's cell lookups. */
export interface ModelRow {
  model: LoggedModel;
  metrics: Map<string, string>;
  params: Map<string, string>;
}

/** A model with its latest metrics (formatted) and params in maps. */
export function modelRowOf(model: LoggedModel): ModelRow {
  return {
    model,
    metrics: new Map([...latestMetrics(model.data?.metrics)].map(([k, m]) => [k, formatMetric(m.value)])),
    params: new Map((model.data?.params ?? []).map((p) => [p.key, p.value])),
  };
}

/** The metric and param keys seen in the rows, sorted: the table's data columns. */
export function modelKeysOf(rows: ModelRow[]): { metrics: string[]; params: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  for (const r of rows) {
    for (const k of r.metrics.keys()) metrics.add(k);
    for (const k of r.params.keys()) params.add(k);
  }
  return { metrics: [...metrics].sort(), params: [...params].sort() };
}

const STATUS_NAMES = ['LOGGED_MODEL_STATUS_UNSPECIFIED', 'LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];
const STATUS_LABELS: Record<string, string> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 'Unspecified',
  LOGGED_MODEL_PENDING: 'Pending',
  LOGGED_MODEL_READY: 'Ready',
  LOGGED_MODEL_UPLOAD_FAILED: 'Upload failed',
};

/**
 * A model status as a word, and the CSS suffix of its badge. Servers send the enum's name; a number
 * (an older or a hand-written server) is read as the proto's value.
 */
export function statusOf(status: string | number | undefined): { label: string; css: string } {
  const name = typeof status === 'number' ? (STATUS_NAMES[status] ?? String(status)) : (status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED');
  const label = STATUS_LABELS[name] ?? name;
  return { label, css: label.toLowerCase().replace(/[^a-z]+/g, '-') };
}
