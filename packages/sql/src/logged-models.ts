import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  type CreateLoggedModelOptions,
  type ImportOutcome,
  invalidParameter,
  LOGGED_MODEL_STATUS_NUMBER,
  type LoggedModel,
  type LoggedModelInfo,
  type LoggedModelOutput,
  type LoggedModelParameter,
  type LoggedModelStatus,
  type LoggedModelTag,
  loggedModelStatusFromNumber,
  type Metric,
  notFound,
} from '@labbook/core/plugin';
import { rowsOf, SqlDatabase } from './database.js';
import { chunksFor, type InsertTarget, placeholders, type SqlDialect } from './dialect.js';
import type { Row, SqlExecutor } from './driver.js';
import { pushTo } from './multimap.js';
import { num, toStoredValue } from './rows.js';
import { lastTagValues } from './run-writes.js';

/** A row of `logged_models`. */
export interface LoggedModelRow {
  model_id: string;
  experiment_id: unknown;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: unknown;
  last_updated_timestamp_ms: unknown;
  status: unknown;
  lifecycle_stage: string | null;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

type Db = SqlExecutor | SqlDatabase;

const PARAMS: InsertTarget = { table: 'logged_model_params', columns: ['model_id', 'experiment_id', 'param_key', 'param_value'] };
const TAGS: InsertTarget = { table: 'logged_model_tags', columns: ['model_id', 'experiment_id', 'tag_key', 'tag_value'] };
const METRICS: InsertTarget = {
  table: 'logged_model_metrics',
  columns: [
    'model_id',
    'metric_name',
    'metric_timestamp_ms',
    'metric_step',
    'metric_value',
    'experiment_id',
    'run_id',
    'dataset_uuid',
    'dataset_name',
    'dataset_digest',
  ],
};
const METRIC_KEY = ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'run_id'] as const;
const OUTPUTS: InsertTarget = {
  table: 'inputs',
  columns: ['input_uuid', 'source_type', 'source_id', 'destination_type', 'destination_id', 'step'],
};

const NOT_DELETED = "(lifecycle_stage IS NULL OR lifecycle_stage <> 'deleted')";
const FINAL: ReadonlySet<LoggedModelStatus> = new Set(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']);

function modelNotFound(modelId: string) {
  return notFound(`Logged model with ID '${modelId}' not found. Check the model_id, or search the experiment's logged models.`);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The model's row unless it is missing or deleted; `lock` takes it FOR UPDATE so finalize and delete serialize. */
export async function loggedModelRow(d: SqlDialect, c: Db, modelId: string, lock = false): Promise<LoggedModelRow> {
  // Exact: a case-insensitive collation would otherwise find another casing of the id.
  const values: unknown[] = [];
  const rows = await rowsOf<LoggedModelRow>(
    c,
    `SELECT * FROM logged_models WHERE ${d.exactEquals('model_id', modelId, values)} AND ${NOT_DELETED}${lock ? d.forUpdate : ''}`,
    values,
  );
  if (rows.length === 0) throw modelNotFound(modelId);
  return rows[0]!;
}

function infoFromRow(r: LoggedModelRow): LoggedModelInfo {
  const info: LoggedModelInfo = {
    modelId: r.model_id,
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactUri: r.artifact_location,
    creationTimestampMs: num(r.creation_timestamp_ms) ?? 0,
    lastUpdatedTimestampMs: num(r.last_updated_timestamp_ms) ?? 0,
    status: loggedModelStatusFromNumber(Number(r.status)),
    tags: [],
  };
  if (r.model_type !== null && r.model_type !== undefined) info.modelType = r.model_type;
  if (r.source_run_id !== null && r.source_run_id !== undefined && r.source_run_id !== '') info.sourceRunId = r.source_run_id;
  if (r.status_message !== null && r.status_message !== undefined) info.statusMessage = r.status_message;
  return info;
}

/** A `logged_model_metrics` row as a Metric point; NaN is stored as NULL (MySQL has no NaN). */
function metricFromRow(r: Row): Metric {
  const m: Metric = {
    key: String(r.metric_name),
    value: r.metric_value === null || r.metric_value === undefined ? Number.NaN : Number(r.metric_value),
    timestamp: num(r.metric_timestamp_ms) ?? 0,
    step: num(r.metric_step) ?? 0,
    modelId: String(r.model_id),
    runId: String(r.run_id),
  };
  if (r.dataset_name !== null && r.dataset_name !== undefined) m.datasetName = String(r.dataset_name);
  if (r.dataset_digest !== null && r.dataset_digest !== undefined) m.datasetDigest = String(r.dataset_digest);
  return m;
}

/** Tags, params and every metric point of many models in three queries, in the rows' order. */
export async function loadLoggedModels(c: Db, rows: LoggedModelRow[]): Promise<LoggedModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.model_id);
  const marks = placeholders(ids.length);
  const read = (sql: string) => rowsOf<Row>(c, sql, ids);
  // A connection runs one statement at a time; the pool can run them side by side.
  const queries = [
    `SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN (${marks})`,
    `SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN (${marks})`,
    `SELECT model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id IN (${marks}) ORDER BY model_id, metric_name, metric_timestamp_ms, metric_step`,
  ];
  const [tags, params, metrics] =
    c instanceof SqlDatabase
      ? await Promise.all(queries.map(read))
      : [await read(queries[0]!), await read(queries[1]!), await read(queries[2]!)];
  const models = new Map<string, LoggedModel>();
  for (const r of rows) models.set(r.model_id, { info: infoFromRow(r), data: { params: [], metrics: [] } });
  const tagsBy = new Map<string, LoggedModelTag[]>();
  for (const t of tags!) pushTo(tagsBy, String(t.model_id), { key: String(t.tag_key), value: String(t.tag_value ?? '') });
  for (const p of params!)
    models.get(String(p.model_id))?.data.params.push({ key: String(p.param_key), value: String(p.param_value ?? '') });
  for (const m of metrics!) models.get(String(m.model_id))?.data.metrics.push(metricFromRow(m));
  for (const [id, model] of models) {
    model.info.tags = (tagsBy.get(id) ?? []).sort(byKey);
    model.data.params.sort(byKey);
  }
  return rows.map((r) => models.get(r.model_id)!);
}

/** `<experiment artifact location>/models/<model_id>/artifacts`, as MLflow's SQL store builds it. */
export function loggedModelArtifactLocation(experimentLocation: string | null, modelId: string): string {
  return `${(experimentLocation ?? '').replace(/\/+$/, '')}/models/${modelId}/artifacts`;
}

/** Params as one value per key; the same key with two values is refused, naming it. */
function distinctParams(params: LoggedModelParameter[]): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const p of params) {
    const seen = wanted.get(p.key);
    if (seen !== undefined && seen !== p.value) {
      throw invalidParameter(`Duplicate parameter keys have been submitted: [${p.key}]. Send one value per param key.`, {
        field: `params.${p.key}`,
      });
    }
    wanted.set(p.key, p.value);
  }
  return wanted;
}

/** Upserts tags (last one wins), in key order so that concurrent writers lock rows alike. */
async function upsertTags(d: SqlDialect, c: SqlExecutor, modelId: string, experimentId: unknown, tags: LoggedModelTag[]): Promise<void> {
  if (tags.length === 0) return;
  const rows = [...lastTagValues(tags)].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [modelId, experimentId, k, v]);
  for (const chunk of chunksFor(d, rows, TAGS.columns.length)) {
    const values: unknown[] = [];
    await c.run(d.upsert(TAGS, d.values(chunk, values), ['model_id', 'tag_key'], ['tag_value']), values);
  }
}

/** Inserts params; a key logged before with another value is INVALID_PARAMETER_VALUE (the caller's transaction rolls back). */
async function insertParams(
  d: SqlDialect,
  c: SqlExecutor,
  modelId: string,
  experimentId: unknown,
  params: LoggedModelParameter[],
): Promise<void> {
  if (params.length === 0) return;
  const wanted = distinctParams(params);
  const keys = [...wanted.keys()].sort();
  // Rows already there are skipped (no failed statement, so the transaction carries on), then compared.
  for (const chunk of chunksFor(d, keys, PARAMS.columns.length)) {
    const values: unknown[] = [];
    await c.run(
      d.insertIgnore(
        PARAMS,
        d.values(
          chunk.map((k) => [modelId, experimentId, k, wanted.get(k)]),
          values,
        ),
      ),
      values,
    );
  }
  const rows: { param_key: string; param_value: string }[] = [];
  for (const chunk of chunksFor(d, keys, 1)) {
    rows.push(
      ...(await rowsOf<{ param_key: string; param_value: string }>(
        c,
        `SELECT param_key, param_value FROM logged_model_params WHERE model_id = ? AND param_key IN (${placeholders(chunk.length)})`,
        [modelId, ...chunk],
      )),
    );
  }
  for (const r of rows) {
    const v = wanted.get(r.param_key);
    if (v === undefined) {
      // Only a folding collation returns a key that was not asked for.
      if (!d.foldsKeys) continue;
      throw invalidParameter(
        `Param key '${keys.find((k) => k.toLowerCase() === r.param_key.toLowerCase()) ?? r.param_key}' clashes with the logged key '${r.param_key}' under the database's case-insensitive collation (create the database with utf8mb4_bin to keep both).`,
        { field: `params.${r.param_key}` },
      );
    }
    if (v !== r.param_value) {
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${r.param_key}' was already logged with value='${r.param_value}' for logged model ID='${modelId}'. Attempted logging new value '${v}'.`,
        { field: `params.${r.param_key}` },
      );
    }
  }
}

/**
 * Creates a PENDING model (`m-<32 hex>`) in an active experiment, with its params and tags, in one
 * transaction. `experiment` reads and checks the experiment in that transaction.
 */
export async function createLoggedModel(
  db: SqlDatabase,
  options: CreateLoggedModelOptions,
  experiment: (c: SqlExecutor) => Promise<{ experiment_id: unknown; artifact_location: string | null }>,
): Promise<LoggedModel> {
  const d = db.dialect;
  const modelId = `m-${randomUUID().replace(/-/g, '')}`;
  return db.transaction(
    async (c) => {
      const exp = await experiment(c);
      const now = Date.now();
      await c.run(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)`,
        [
          modelId,
          exp.experiment_id,
          options.name ?? '',
          loggedModelArtifactLocation(exp.artifact_location, modelId),
          now,
          now,
          LOGGED_MODEL_STATUS_NUMBER.LOGGED_MODEL_PENDING,
          options.modelType ?? null,
          options.sourceRunId ?? null,
        ],
      );
      await insertParams(d, c, modelId, exp.experiment_id, options.params ?? []);
      await upsertTags(d, c, modelId, exp.experiment_id, options.tags ?? []);
      const [model] = await loadLoggedModels(c, [await loggedModelRow(d, c, modelId)]);
      return model!;
    },
    // A retry after a lost commit would create a second model: not idempotent.
    false,
    'createLoggedModel',
  );
}

/** The model, deleted ones excluded. */
export async function getLoggedModel(db: SqlDatabase, modelId: string): Promise<LoggedModel> {
  const [model] = await loadLoggedModels(db, [await loggedModelRow(db.dialect, db, modelId)]);
  return model!;
}

/**
 * Sets a final status with the row locked, so a concurrent delete either sees the finalized model or
 * makes this answer RESOURCE_DOES_NOT_EXIST, never a mix. The same final status again is a no-op;
 * another one is refused.
 */
export async function finalizeLoggedModel(db: SqlDatabase, modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
  const d = db.dialect;
  return db.transaction(
    async (c) => {
      const row = await loggedModelRow(d, c, modelId, true);
      const current = loggedModelStatusFromNumber(Number(row.status));
      if (current !== status) {
        if (FINAL.has(current)) {
          throw invalidParameter(
            `Logged model '${modelId}' is already finalized with status ${current}; its status cannot change to ${status}. Create a new model instead.`,
            { field: 'status' },
          );
        }
        await c.run('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?', [
          LOGGED_MODEL_STATUS_NUMBER[status],
          Date.now(),
          row.model_id,
        ]);
      }
      const [model] = await loadLoggedModels(c, [await loggedModelRow(d, c, modelId)]);
      return model!;
    },
    true,
    'finalizeLoggedModel',
  );
}

/** Soft-deletes (`lifecycle_stage = 'deleted'`): one guarded UPDATE, atomic against a concurrent finalize. */
export async function deleteLoggedModel(db: SqlDatabase, modelId: string): Promise<void> {
  const values: unknown[] = [Date.now()];
  const byId = db.dialect.exactEquals('model_id', modelId, values);
  const res = await db.run(
    `UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE ${byId} AND ${NOT_DELETED}`,
    values,
  );
  if (res.affectedRows === 0) throw modelNotFound(modelId);
}

/** Upserts tags of an existing model (last one wins). */
export async function setLoggedModelTags(db: SqlDatabase, modelId: string, tags: LoggedModelTag[]): Promise<void> {
  const d = db.dialect;
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(d, c, modelId);
      await upsertTags(d, c, row.model_id, row.experiment_id, tags);
    },
    true,
    'setLoggedModelTags',
  );
}

/** Removes a tag; a missing model or key is RESOURCE_DOES_NOT_EXIST naming it. */
export async function deleteLoggedModelTag(db: SqlDatabase, modelId: string, key: string): Promise<void> {
  const d = db.dialect;
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(d, c, modelId);
      const values: unknown[] = [row.model_id];
      const res = await c.run(`DELETE FROM logged_model_tags WHERE model_id = ? AND ${d.exactEquals('tag_key', key, values)}`, values);
      if (res.affectedRows === 0)
        throw notFound(`No tag with key '${key}' on logged model '${modelId}'. List the model's tags with getLoggedModel.`);
    },
    false,
    'deleteLoggedModelTag',
  );
}

/** Adds params to an existing model; the same value again is a no-op, another value is refused. */
export async function logLoggedModelParams(db: SqlDatabase, modelId: string, params: LoggedModelParameter[]): Promise<void> {
  const d = db.dialect;
  if (params.length === 0) {
    await loggedModelRow(d, db, modelId);
    return;
  }
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(d, c, modelId);
      await insertParams(d, c, row.model_id, row.experiment_id, params);
    },
    true,
    'logLoggedModelParams',
  );
}

/** The ids among `ids` that have no `logged_models` row, for an error that names them. */
async function missingModels(d: SqlDialect, c: SqlExecutor, ids: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const chunk of chunksFor(d, ids, 1)) {
    const rows = await rowsOf(c, `SELECT model_id FROM logged_models WHERE model_id IN (${placeholders(chunk.length)})`, chunk);
    for (const r of rows) found.add(String(r.model_id));
  }
  return ids.filter((id) => !found.has(id));
}

/** `name\0digest` → the `datasets` row's uuid, for the (name, digest) pairs the points name in one experiment. */
async function datasetUuids(c: SqlExecutor, experimentId: unknown, metrics: readonly Metric[]): Promise<Map<string, string>> {
  const pairs = new Map<string, [string, string]>();
  for (const m of metrics)
    if (m.datasetName && m.datasetDigest) pairs.set(`${m.datasetName}\u0000${m.datasetDigest}`, [m.datasetName, m.datasetDigest]);
  const uuids = new Map<string, string>();
  if (pairs.size === 0) return uuids;
  const rows = await rowsOf(
    c,
    `SELECT dataset_uuid, name, digest FROM datasets WHERE experiment_id = ? AND (name, digest) IN (${[...pairs.values()].map(() => '(?, ?)').join(', ')})`,
    [experimentId, ...[...pairs.values()].flat()],
  );
  for (const r of rows) uuids.set(`${String(r.name)}\u0000${String(r.digest)}`, String(r.dataset_uuid));
  return uuids;
}

/** A `logged_model_metrics` row for a point (NaN stored as NULL, ±Inf clamped). */
function metricRow(m: Metric, modelId: string, experimentId: unknown, runId: string, uuids: Map<string, string>): unknown[] {
  const [value, isNan] = toStoredValue(m.value);
  const dataset = m.datasetName && m.datasetDigest ? uuids.get(`${m.datasetName}\u0000${m.datasetDigest}`) : undefined;
  return [
    modelId,
    m.key,
    m.timestamp,
    m.step ?? 0,
    isNan === 1 ? null : value,
    experimentId,
    runId,
    dataset ?? null,
    m.datasetName ?? null,
    m.datasetDigest ?? null,
  ];
}

/**
 * Upserts metric rows: an exact repeat replaces the value and dataset, so a retried batch is
 * harmless. Points with the same key are folded first (the last wins, as MySQL's upsert does), since
 * PostgreSQL's may not touch one row twice.
 */
async function upsertMetricRows(d: SqlDialect, c: SqlExecutor, rows: unknown[][]): Promise<void> {
  const keyAt = METRIC_KEY.map((col) => METRICS.columns.indexOf(col));
  const last = new Map<string, unknown[]>();
  for (const row of rows) last.set(JSON.stringify(keyAt.map((i) => row[i])), row);
  for (const chunk of chunksFor(d, [...last.values()], METRICS.columns.length)) {
    const values: unknown[] = [];
    await c.run(
      d.upsert(METRICS, d.values(chunk, values), METRIC_KEY, ['metric_value', 'dataset_uuid', 'dataset_name', 'dataset_digest']),
      values,
    );
  }
}

/**
 * Metric points that carry a `modelId`, into `logged_model_metrics` as MLflow's log_batch writes
 * them (the run's experiment and id, the dataset's name and digest, and its `datasets` row when the
 * experiment has one). Runs in the caller's logBatch transaction; exact repeats are upserts, so the
 * batch stays retryable. An unknown model is RESOURCE_DOES_NOT_EXIST naming it. `d` is the dialect of
 * the database `c` belongs to (an executor does not carry it).
 */
export async function insertModelMetrics(
  c: SqlExecutor,
  runId: string,
  experimentId: unknown,
  metrics: Metric[],
  d: SqlDialect,
): Promise<void> {
  if (metrics.length === 0) return;
  // Checked before writing: a failed statement would end the transaction on PostgreSQL.
  const missing = await missingModels(d, c, [...new Set(metrics.map((m) => m.modelId!))]);
  if (missing.length > 0) {
    throw notFound(
      `Logged model with ID '${missing.join("', '")}' not found: metrics with a model_id need an existing logged model (create it first).`,
    );
  }
  const uuids = await datasetUuids(c, experimentId, metrics);
  await upsertMetricRows(
    d,
    c,
    metrics.map((m) => metricRow(m, m.modelId!, experimentId, runId, uuids)),
  );
}

/**
 * Records models a run produced, as MLflow 3 does: `inputs` rows from (RUN_OUTPUT, run id) to
 * (MODEL_OUTPUT, model id) with the step. The same model again moves its step.
 */
export async function logOutputs(
  db: SqlDatabase,
  runId: string,
  models: LoggedModelOutput[],
  activeRun: (c: SqlExecutor) => Promise<unknown>,
): Promise<void> {
  const d = db.dialect;
  await db.transaction(
    async (c) => {
      await activeRun(c);
      if (models.length === 0) return;
      // One row per model, the last step winning (one upsert may not touch a row twice on PostgreSQL).
      const steps = new Map<string, number>();
      for (const m of models) steps.set(m.modelId, m.step);
      const missing = await missingModels(d, c, [...steps.keys()]);
      if (missing.length > 0) throw modelNotFound(missing[0]!);
      const rows = [...steps].map(([modelId, step]) => [
        randomUUID().replace(/-/g, ''),
        'RUN_OUTPUT',
        runId,
        'MODEL_OUTPUT',
        modelId,
        step,
      ]);
      for (const chunk of chunksFor(d, rows, OUTPUTS.columns.length)) {
        const values: unknown[] = [];
        await c.run(
          d.upsert(OUTPUTS, d.values(chunk, values), ['source_type', 'source_id', 'destination_type', 'destination_id'], ['step']),
          values,
        );
      }
    },
    true,
    'logOutputs',
  );
}

/** Run id → the models it produced (`inputs` rows from RUN_OUTPUT to MODEL_OUTPUT), for many runs at once. */
export async function runOutputs(db: SqlDatabase, runIds: string[]): Promise<Map<string, LoggedModelOutput[]>> {
  const out = new Map<string, LoggedModelOutput[]>();
  if (runIds.length === 0) return out;
  // A page of runs may hold more ids than one statement takes; each run's rows stay in one slice.
  for (const chunk of chunksFor(db.dialect, runIds, 1)) {
    const rows = await db.query<Row>(
      `SELECT source_id, destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT' AND source_id IN (${placeholders(chunk.length)}) ORDER BY step, destination_id`,
      chunk,
    );
    for (const r of rows) pushTo(out, String(r.source_id), { modelId: String(r.destination_id), step: num(r.step) ?? 0 });
  }
  return out;
}

/** The row of `modelId` in any lifecycle stage, compared exactly (imports look for the id itself). */
async function anyModelRow(d: SqlDialect, c: Db, modelId: string): Promise<LoggedModelRow | undefined> {
  const values: unknown[] = [];
  const rows = await rowsOf<LoggedModelRow>(c, `SELECT * FROM logged_models WHERE ${d.exactEquals('model_id', modelId, values)}`, values);
  return rows[0];
}

function importConflict(modelId: string, there: LoggedModelRow | undefined): Error {
  const where = there === undefined ? '' : ` (in experiment ${String(num(there.experiment_id))})`;
  return alreadyExists(
    `Cannot import logged model ${modelId}: the target database already holds different data under that id${where}. Migrate into an empty database, or remove that model from the target first.`,
  );
}

/** True when the row already there is the imported model (a rerun): same id in the same experiment. */
function sameImportedModel(there: LoggedModelRow, info: LoggedModelInfo): boolean {
  return String(num(there.experiment_id)) === info.experimentId;
}

/**
 * Creates a logged model with its id, as `labbook migrate` copies it: name, status, times, model
 * type, source run, artifact location (an empty one becomes `<experiment location>/models/<id>/artifacts`),
 * params, tags and metric points (under their runs, which must have been imported first), in one
 * transaction. A model with that id already in the same experiment is a rerun ('exists', left
 * untouched); any other row under that id is RESOURCE_ALREADY_EXISTS.
 */
export async function importLoggedModel(db: SqlDatabase, model: LoggedModel): Promise<ImportOutcome> {
  const d = db.dialect;
  const { info } = model;
  const modelId = info.modelId;
  const points = (model.data?.metrics ?? []).map((m, i) => {
    const runId = m.runId ?? info.sourceRunId;
    if (runId === undefined || runId === '') {
      throw invalidParameter(
        `Metric '${m.key}' of logged model ${modelId} has no run id: the SQL store keeps each model metric point under the run that logged it. Give the point's run_id (or the model's source_run_id).`,
        { field: `model.data.metrics[${i}].run_id` },
      );
    }
    return { m, runId };
  });
  try {
    return await db.transaction(
      async (c): Promise<ImportOutcome> => {
        const there = await anyModelRow(d, c, modelId);
        if (there !== undefined) {
          if (sameImportedModel(there, info)) return 'exists';
          throw importConflict(modelId, there);
        }
        const [exp] = await rowsOf<{ experiment_id: unknown; artifact_location: string | null }>(
          c,
          'SELECT experiment_id, artifact_location FROM experiments WHERE experiment_id = ?',
          [Number(info.experimentId)],
        );
        if (exp === undefined) {
          throw notFound(
            `Cannot import logged model ${modelId}: experiment ${info.experimentId} does not exist in the target. Import the experiment first.`,
          );
        }
        // Each point is kept under its run (and that run's experiment, as log_batch writes it).
        const runExperiments = new Map<string, unknown>();
        const runIds = [...new Set(points.map((p) => p.runId))];
        for (const chunk of chunksFor(d, runIds, 1)) {
          const rows = await rowsOf(c, `SELECT run_uuid, experiment_id FROM runs WHERE run_uuid IN (${placeholders(chunk.length)})`, chunk);
          for (const r of rows) runExperiments.set(String(r.run_uuid), r.experiment_id);
        }
        const missingRun = runIds.find((id) => !runExperiments.has(id));
        if (missingRun !== undefined) {
          throw notFound(
            `Cannot import logged model ${modelId}: its metrics were logged by run ${missingRun}, which does not exist in the target. Import the model's runs first.`,
          );
        }
        await c.run(
          `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
          [
            modelId,
            exp.experiment_id,
            info.name,
            info.artifactUri || loggedModelArtifactLocation(exp.artifact_location, modelId),
            info.creationTimestampMs,
            info.lastUpdatedTimestampMs,
            LOGGED_MODEL_STATUS_NUMBER[info.status],
            info.modelType ?? null,
            info.sourceRunId ?? null,
            info.statusMessage ?? null,
          ],
        );
        await insertParams(d, c, modelId, exp.experiment_id, model.data?.params ?? []);
        await upsertTags(d, c, modelId, exp.experiment_id, info.tags ?? []);
        const rows: unknown[][] = [];
        for (const experimentId of new Set(runExperiments.values())) {
          const mine = points.filter((p) => runExperiments.get(p.runId) === experimentId);
          const uuids = await datasetUuids(
            c,
            experimentId,
            mine.map((p) => p.m),
          );
          for (const p of mine) rows.push(metricRow(p.m, modelId, experimentId, p.runId, uuids));
        }
        await upsertMetricRows(d, c, rows);
        return 'created';
      },
      // A rerun finds the model and answers 'exists': safe to run again after a lost commit.
      true,
      'importLoggedModel',
    );
  } catch (error) {
    if (!db.isDuplicateKey(error)) throw error;
    // Another import wrote a row under this id between the check and the insert.
    const there = await anyModelRow(d, db, modelId);
    if (there !== undefined && sameImportedModel(there, info)) return 'exists';
    throw importConflict(modelId, there);
  }
}
