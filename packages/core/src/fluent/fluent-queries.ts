import type { ViewType } from '../entities/enums.js';
import { DEFAULTS } from '../validation/limits.js';
import type { ModelVersion } from '../entities/registry.js';
import type { Experiment, Run } from '../entities/tracking.js';
import { invalidParameter } from '../errors.js';
import type { TagInput } from '../client/tag-input.js';
import { fluentClient, resolveFluentExperimentId } from './fluent.js';

/** One run as a flat row, with MLflow's `search_runs` DataFrame column names. */
export interface RunRow {
  run_id: string;
  experiment_id: string;
  status: string;
  artifact_uri: string;
  /** Milliseconds since the epoch (MLflow's DataFrame holds a datetime; a number keeps CSV and JSON simple). */
  start_time: number | null;
  end_time: number | null;
  /** `metrics.<key>`: the latest value; `params.<key>` and `tags.<key>`: strings. */
  [column: string]: string | number | null;
}

/** Rows of {@link searchRuns}: an array, with the column list and CSV output of MLflow's DataFrame. */
export class RunRows extends Array<RunRow> {
  // `map`/`filter` give plain arrays: a filtered list is no longer a search result.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** Columns in MLflow's order: run fields, then `metrics.*`, `params.*`, `tags.*`, each sorted. */
  get columns(): string[] {
    const fixed = ['run_id', 'experiment_id', 'status', 'artifact_uri', 'start_time', 'end_time'];
    const seen = new Set<string>();
    for (const row of this) for (const k of Object.keys(row)) if (!fixed.includes(k)) seen.add(k);
    const group = (p: string) => [...seen].filter((k) => k.startsWith(p)).sort();
    return [...fixed, ...group('metrics.'), ...group('params.'), ...group('tags.')];
  }

  /** RFC 4180 CSV with a header row; missing cells are empty, as pandas writes NaN/None. */
  toCSV(): string {
    const cols = this.columns;
    const cell = (v: unknown): string => {
      if (v === null || v === undefined) return '';
      const s = String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    return `${[cols.map(cell).join(','), ...this.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
  }
}

/** Flattens a run into a {@link RunRow}. */
export function runToRow(run: Run): RunRow {
  const row: RunRow = {
    run_id: run.info.runId,
    experiment_id: run.info.experimentId,
    status: run.info.status,
    artifact_uri: run.info.artifactUri,
    start_time: run.info.startTime ?? null,
    end_time: run.info.endTime ?? null,
  };
  for (const m of run.data.metrics) row[`metrics.${m.key}`] = m.value;
  for (const p of run.data.params) row[`params.${p.key}`] = p.value;
  for (const t of run.data.tags) row[`tags.${t.key}`] = t.value;
  return row;
}

/** Options of {@link searchRuns} (MLflow's `mlflow.search_runs`). */
export interface FluentSearchRunsOptions {
  /** Default: the active experiment. */
  experimentIds?: string[];
  experimentNames?: string[];
  /** Search every active experiment; only used when neither `experimentIds` nor `experimentNames` is given. */
  searchAllExperiments?: boolean;
  filterString?: string;
  runViewType?: ViewType;
  /** Default 100000, as MLflow's. */
  maxResults?: number;
  orderBy?: string[];
}

/**
 * Searches runs and returns flat rows (`run_id`, `status`, `start_time`, `metrics.loss`,
 * `params.lr`, `tags.x`, …) as MLflow's `search_runs` DataFrame has them, with `toCSV()`.
 */
export async function searchRuns(options: FluentSearchRunsOptions = {}): Promise<RunRows> {
  const client = fluentClient();
  let ids = options.experimentIds ?? [];
  const named = (options.experimentNames?.length ?? 0) > 0;
  if (named) {
    for (const name of options.experimentNames!) {
      const e = await client.getExperimentByName(name);
      if (e) ids = [...ids, e.experimentId];
    }
    if (ids.length === 0) return new RunRows();
  }
  if (ids.length === 0 && !named && options.searchAllExperiments) {
    // As MLflow: the experiments are always the active ones; `runViewType` selects runs within them,
    // so deleted runs of active experiments are found and a deleted experiment's runs are not.
    ids = [];
    let token: string | undefined;
    do {
      const page = await client.searchExperiments({ viewType: 'ACTIVE_ONLY', ...(token ? { pageToken: token } : {}) });
      ids.push(...page.items.map((e) => e.experimentId));
      token = page.nextPageToken;
    } while (token);
  } else if (ids.length === 0 && !named) {
    ids = [await resolveFluentExperimentId()];
  }
  const max = options.maxResults ?? DEFAULTS.fluentSearchRunsMaxResults;
  if (!Number.isInteger(max) || max < 1)
    throw invalidParameter(`maxResults must be a positive integer, got ${max}.`, { field: 'max_results' });
  const rows = new RunRows();
  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns(ids, {
      ...(options.filterString !== undefined ? { filter: options.filterString } : {}),
      ...(options.runViewType !== undefined ? { viewType: options.runViewType } : {}),
      ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
      maxResults: Math.min(DEFAULTS.searchRunsMaxResults, max - rows.length),
      ...(pageToken !== undefined ? { pageToken } : {}),
    });
    for (const run of page.items) rows.push(runToRow(run));
    pageToken = page.nextPageToken;
  } while (pageToken && rows.length < max);
  return rows;
}

/** A run by id, with its data (MLflow's `mlflow.get_run`). */
export function getRun(runId: string): Promise<Run> {
  return fluentClient().getRun(runId);
}

/** An experiment by name, or `null` (MLflow's `mlflow.get_experiment_by_name`). */
export function getExperimentByName(name: string): Promise<Experiment | null> {
  return fluentClient().getExperimentByName(name);
}

/** Marks a run deleted (MLflow's `mlflow.delete_run`). */
export function deleteRun(runId: string): Promise<void> {
  return fluentClient().deleteRun(runId);
}

/**
 * Registers the model at `modelUri` (`runs:/<id>/path`, `models:/…`) as a new version of `name`,
 * creating the registered model when needed (MLflow's `mlflow.register_model`).
 */
export function registerModel(modelUri: string, name: string, options: { tags?: TagInput } = {}): Promise<ModelVersion> {
  return fluentClient().registerModel(modelUri, name, options);
}

/** Sets a tag on the active experiment (MLflow's `mlflow.set_experiment_tag`). */
export async function setExperimentTag(key: string, value: unknown): Promise<void> {
  return fluentClient().setExperimentTag(await resolveFluentExperimentId(), key, value);
}

/** Sets several tags on the active experiment. */
export async function setExperimentTags(tags: Record<string, unknown>): Promise<void> {
  const id = await resolveFluentExperimentId();
  for (const [key, value] of Object.entries(tags)) await fluentClient().setExperimentTag(id, key, value);
}
