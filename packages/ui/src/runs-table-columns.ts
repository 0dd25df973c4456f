/** The columns of the runs table: fixed run attributes, then the params, metrics and tags a user picks. */
import type { Run } from './api/types';
import { formatMetric } from './formatting';

export type ColumnKind = 'metric' | 'param' | 'tag';

export interface DataColumn {
  kind: ColumnKind;
  key: string;
}

/** The search grammar's order_by term for a column, with the key quoted. */
export function orderTermOf(column: DataColumn | { kind: 'attribute'; key: string }, descending: boolean): string {
  const prefix =
    column.kind === 'attribute' ? 'attributes' : column.kind === 'metric' ? 'metrics' : column.kind === 'param' ? 'params' : 'tags';
  return `${prefix}.\`${column.key}\` ${descending ? 'DESC' : 'ASC'}`;
}

/** A run flattened for fast cell lookups. */
export interface RunRow {
  run: Run;
  metrics: Map<string, string>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

/** A run with its metrics (formatted), params and tags in maps, for the table's cell lookups. */
export function rowOf(run: Run): RunRow {
  return {
    run,
    metrics: new Map((run.data.metrics ?? []).map((m) => [m.key, formatMetric(m.value)])),
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
    tags: new Map((run.data.tags ?? []).map((t) => [t.key, t.value])),
  };
}

/** The text of one cell. */
export function cellOf(row: RunRow, column: DataColumn): string {
  const source = column.kind === 'metric' ? row.metrics : column.kind === 'param' ? row.params : row.tags;
  return source.get(column.key) ?? '';
}

/** Every param, metric and user tag key seen in the rows, sorted, by kind. */
export function keysOf(rows: RunRow[]): Record<ColumnKind, string[]> {
  const seen: Record<ColumnKind, Set<string>> = { metric: new Set(), param: new Set(), tag: new Set() };
  for (const r of rows) {
    for (const k of r.metrics.keys()) seen.metric.add(k);
    for (const k of r.params.keys()) seen.param.add(k);
    for (const k of r.tags.keys()) if (!k.startsWith('mlflow.')) seen.tag.add(k);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { metric: sorted(seen.metric), param: sorted(seen.param), tag: sorted(seen.tag) };
}

/** Columns shown before the user picks: the first few metrics and params. */
export function defaultColumns(rows: RunRow[]): DataColumn[] {
  const keys = keysOf(rows.slice(0, 200));
  return [
    ...keys.metric.slice(0, 4).map((key) => ({ kind: 'metric' as const, key })),
    ...keys.param.slice(0, 4).map((key) => ({ kind: 'param' as const, key })),
  ];
}

const STORAGE_PREFIX = 'labbook.columns.';

/**
 * Parses a saved column choice, dropping anything that is not a column (storage is shared with other
 * versions of the UI and with whatever else runs on this origin).
 */
export function parseColumns(saved: string | null): DataColumn[] | undefined {
  if (!saved) return undefined;
  try {
    const value: unknown = JSON.parse(saved);
    if (!Array.isArray(value)) return undefined;
    return value.filter(
      (c): c is DataColumn =>
        typeof c === 'object' &&
        c !== null &&
        ['metric', 'param', 'tag'].includes((c as DataColumn).kind) &&
        typeof (c as DataColumn).key === 'string',
    );
  } catch {
    return undefined;
  }
}

/** The columns picked for an experiment's table the last time, if any. */
export function loadColumns(experimentId: string): DataColumn[] | undefined {
  try {
    return parseColumns(localStorage.getItem(STORAGE_PREFIX + experimentId));
  } catch {
    // Storage disabled: every visit starts from the default columns.
    return undefined;
  }
}

/** Keeps an experiment's column choice for the next visit. */
export function saveColumns(experimentId: string, columns: DataColumn[]): void {
  try {
    localStorage.setItem(STORAGE_PREFIX + experimentId, JSON.stringify(columns));
  } catch {
    // Storage disabled or full: the choice lasts for this visit only.
  }
}
