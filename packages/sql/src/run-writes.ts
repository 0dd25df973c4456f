/**
 * The writes a run's data takes, shared by the tracking store's calls and by imports: tags (with
 * `runs.name` kept equal to `mlflow.runName`), params (a changed value refused), metric points with
 * `latest_metrics` moved to each key's winning point, and dataset inputs. Each runs in the caller's
 * transaction and splits its rows to fit the dialect's parameter limit.
 */
import { randomUUID } from 'node:crypto';
import { type ExperimentTag, invalidParameter, type Metric, type RunTag, type DatasetInput } from '@labbook/core/plugin';
import { rowsOf } from './database.js';
import { chunksFor, placeholders, type SqlDialect } from './dialect.js';
import type { Row, SqlExecutor, SqlResult } from './driver.js';
import { toStoredValue } from './rows.js';
import { METRICS, LATEST_METRICS, PARAMS, TAGS, EXPERIMENT_TAGS, DATASETS, INPUTS, INPUT_TAGS } from './tables.js';

export const RUN_NAME_TAG = 'mlflow.runName';

export const RUN_COLUMNS =
  'run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time';

/** An experiment id as the INTEGER column holds it, or undefined when no row can have it. */
export function experimentIdNumber(id: string): number | undefined {
  return /^\d{1,10}$/.test(id) && Number(id) <= 2147483647 ? Number(id) : undefined;
}

/** The last value given for each tag key (last one wins): one row per key, as an upsert may touch a row once. */
export function lastTagValues(tags: readonly { key: string; value: string }[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const t of tags) last.set(t.key, t.value);
  return last;
}

/** Runs one multi-row statement per slice of `rows` that fits the dialect's parameter limit; the summed warnings. */
export async function insertRows(
  d: SqlDialect,
  c: SqlExecutor,
  rows: readonly (readonly unknown[])[],
  statement: (body: string) => string,
): Promise<{ affectedRows: number; warnings: number }> {
  let affectedRows = 0;
  let warnings = 0;
  if (rows.length === 0) return { affectedRows, warnings };
  for (const chunk of chunksFor(d, rows, rows[0]!.length)) {
    const values: unknown[] = [];
    const res = await c.run(statement(d.values(chunk, values)), values);
    affectedRows += res.affectedRows;
    warnings += res.warnings;
  }
  return { affectedRows, warnings };
}

/** Upserts experiment tags (last one wins; one row per key, as an upsert may touch a row once). */
export async function writeExperimentTags(d: SqlDialect, c: SqlExecutor, experimentId: unknown, tags: ExperimentTag[]): Promise<void> {
  const rows = [...lastTagValues(tags)].map(([k, v]) => [k, v, experimentId]);
  await insertRows(d, c, rows, (body) => d.upsert(EXPERIMENT_TAGS, body, ['key', 'experiment_id'], ['value']));
}

/** Upserts run tags in multi-row statements, in key order so that concurrent writers lock rows alike; the warnings raised. */
export async function writeTags(d: SqlDialect, c: SqlExecutor, runId: string, last: Map<string, string>): Promise<number> {
  const rows = [...last].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, v, runId]);
  return (await insertRows(d, c, rows, (body) => d.upsert(TAGS, body, ['key', 'run_uuid'], ['value']))).warnings;
}

/** Upserts run tags (last one wins) and keeps `runs.name` equal to the `mlflow.runName` tag. */
export async function upsertTags(d: SqlDialect, c: SqlExecutor, runId: string, tags: RunTag[]): Promise<void> {
  if (tags.length === 0) return;
  const last = lastTagValues(tags);
  await writeTags(d, c, runId, last);
  const name = last.get(RUN_NAME_TAG);
  if (name !== undefined) await c.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [name, runId]);
}

/** Inserts params; a key logged before with another value is INVALID_PARAMETER_VALUE (the transaction rolls back). */
export async function insertParams(d: SqlDialect, c: SqlExecutor, runId: string, params: { key: string; value: string }[]): Promise<void> {
  const wanted = new Map<string, string>();
  for (const p of params) {
    const seen = wanted.get(p.key);
    if (seen !== undefined && seen !== p.value) {
      throw invalidParameter(
        `Duplicate parameter keys have been submitted: [${p.key}]. Please ensure the request contains only one param value per param key.`,
      );
    }
    wanted.set(p.key, p.value);
  }
  const keys = [...wanted.keys()].sort();
  await insertRows(
    d,
    c,
    keys.map((k) => [k, wanted.get(k), runId]),
    (body) => d.insertIgnore(PARAMS, body),
  );
  // One value of each statement is the run id; the rest are keys.
  const size = Math.max(1, d.maxParameters - 1);
  for (let i = 0; i < keys.length; i += size) {
    const slice = keys.slice(i, i + size);
    const rows = await rowsOf<{ key: string; value: string }>(
      c,
      `SELECT \`key\`, value FROM params WHERE run_uuid = ? AND \`key\` IN (${placeholders(slice.length)})`,
      [runId, ...slice],
    );
    for (const r of rows) {
      const v = wanted.get(r.key);
      if (v === undefined) {
        // Only a folding collation (MySQL's default) matches another key: it makes `LR` and `lr` one primary key.
        if (!d.foldsKeys) continue;
        throw invalidParameter(
          `Param key '${slice.find((k) => k.toLowerCase() === r.key.toLowerCase()) ?? r.key}' clashes with the logged key '${r.key}' under the database's case-insensitive collation (create the database with utf8mb4_bin to keep both).`,
        );
      }
      if (v !== r.value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${r.key}' was already logged with value='${r.value}' for run ID='${runId}'. Attempted logging new value '${v}'.`,
        );
      }
    }
  }
}

/**
 * Appends one metric point only if the run exists and is active, in one statement (exact duplicates
 * ignored, as in {@link insertMetrics}). Zero affected rows is either case.
 */
export async function insertOneMetric(d: SqlDialect, c: SqlExecutor, runId: string, m: Metric): Promise<SqlResult> {
  const [value, isNan] = toStoredValue(m.value);
  const values: unknown[] = [m.key, value, m.timestamp, m.step ?? 0, isNan];
  const select = `SELECT ${d.param('text')}, ${d.param('double')}, ${d.param('bigint')}, run_uuid, ${d.param('bigint')}, ${d.param('boolean')} FROM runs WHERE ${d.exactEquals('run_uuid', runId, values)} AND lifecycle_stage = 'active'`;
  return c.run(d.insertIgnore(METRICS, select), values);
}

/** Metric points as `metrics` rows, NaN and ±Infinity stored as MLflow stores them. */
function metricRows(runId: string, metrics: readonly Metric[]): unknown[][] {
  return metrics.map((m) => {
    const [value, isNan] = toStoredValue(m.value);
    return [m.key, value, m.timestamp, runId, m.step ?? 0, isNan];
  });
}

/**
 * Appends metric points (exact duplicates ignored by the primary key) and moves `latest_metrics` to
 * the winner by (step, timestamp, value), in the caller's transaction.
 */
export async function insertMetrics(d: SqlDialect, c: SqlExecutor, runId: string, metrics: Metric[]): Promise<void> {
  await insertRows(d, c, metricRows(runId, metrics), (body) => d.insertIgnore(METRICS, body));
  await upsertLatestMetrics(d, c, runId, metrics);
}

/** Moves `latest_metrics` to the winner by (step, timestamp, value) of each key. */
export async function upsertLatestMetrics(d: SqlDialect, c: SqlExecutor, runId: string, metrics: readonly Metric[]): Promise<void> {
  const best = new Map<string, { value: number; isNan: 0 | 1; timestamp: number; step: number }>();
  for (const m of metrics) {
    const [value, isNan] = toStoredValue(m.value);
    const step = m.step ?? 0;
    const b = best.get(m.key);
    if (
      b === undefined ||
      step > b.step ||
      (step === b.step && (m.timestamp > b.timestamp || (m.timestamp === b.timestamp && value > b.value)))
    ) {
      best.set(m.key, { value, isNan, timestamp: m.timestamp, step });
    }
  }
  const latest = [...best].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, b]) => [k, b.value, b.timestamp, b.step, b.isNan, runId]);
  // The comparison is of the row as it was: is_nan is updated first, and the dialect makes sure
  // the later columns still see the winner decided before it changed.
  await insertRows(d, c, latest, (body) =>
    d.conditionalUpsert({
      ...LATEST_METRICS,
      body,
      conflict: ['key', 'run_uuid'],
      update: ['is_nan', 'value', 'timestamp', 'step'],
      when: (r) =>
        `(${r.incoming('step')}, COALESCE(${r.incoming('timestamp')}, 0), ${r.incoming('value')}) > (${r.existing('step')}, COALESCE(${r.existing('timestamp')}, 0), ${r.existing('value')})`,
    }),
  );
}

/**
 * Dataset inputs of a run as logInputs writes them: the experiment's `datasets` row (shared by runs,
 * written once), an `inputs` row from the dataset to the run (once), and that input's tags.
 */
export async function writeDatasetInputs(
  d: SqlDialect,
  c: SqlExecutor,
  experimentId: unknown,
  runId: string,
  datasets: readonly DatasetInput[],
): Promise<void> {
  for (const input of datasets) {
    const ds = input.dataset;
    const values: unknown[] = [];
    const body = d.values(
      [[randomUUID().replace(/-/g, ''), experimentId, ds.name, ds.digest, ds.sourceType, ds.source, ds.schema ?? null, ds.profile ?? null]],
      values,
    );
    await c.run(d.insertIgnore(DATASETS, body), values);
    const found = await rowsOf<Row>(c, 'SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?', [
      experimentId,
      ds.name,
      ds.digest,
    ]);
    const datasetUuid = String(found[0]!.dataset_uuid);
    const inputUuid = randomUUID().replace(/-/g, '');
    const inputValues: unknown[] = [];
    const res = await c.run(
      d.insertIgnore(INPUTS, d.values([[inputUuid, 'DATASET', datasetUuid, 'RUN', runId, 0]], inputValues)),
      inputValues,
    );
    if (res.affectedRows > 0 && input.tags.length > 0) {
      await insertRows(
        d,
        c,
        input.tags.map((t) => [inputUuid, t.key, t.value]),
        (b) => d.insertIgnore(INPUT_TAGS, b),
      );
    }
  }
}
