import { randomUUID } from 'node:crypto';
import {
  type CreateLoggedModelOptions,
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
import { MysqlDatabase } from './database.js';
import type { Queryable } from './errors.js';
import { pushTo } from './multimap.js';
import { qs, type Row, rowsOf, type WriteResult } from './queries.js';
import { num, toStoredValue } from './rows.js';

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

type Db = Queryable | MysqlDatabase;

const NOT_DELETED = "(lifecycle_stage IS NULL OR lifecycle_stage <> 'deleted')";
const FINAL: ReadonlySet<LoggedModelStatus> = new Set(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']);

function modelNotFound(modelId: string) {
  return notFound(`Logged model with ID '${modelId}' not found. Check the model_id, or search the experiment's logged models.`);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The model's row unless it is missing or deleted; `lock` takes it FOR UPDATE so finalize and delete serialize. */
export async function loggedModelRow(c: Db, modelId: string, lock = false): Promise<LoggedModelRow> {
  // BINARY: a case-insensitive collation would otherwise find another casing of the id.
  const rows = await rowsOf<LoggedModelRow>(
    c,
    `SELECT * FROM logged_models WHERE model_id = ? AND BINARY model_id = ? AND ${NOT_DELETED}${lock ? ' FOR UPDATE' : ''}`,
    [modelId, modelId],
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
  const marks = qs(ids.length);
  const read = (sql: string) => rowsOf<Row>(c, sql, ids);
  // A connection runs one statement at a time; the pool can run them side by side.
  const queries = [
    `SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN (${marks})`,
    `SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN (${marks})`,
    `SELECT model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id IN (${marks}) ORDER BY model_id, metric_name, metric_timestamp_ms, metric_step`,
  ];
  const [tags, params, metrics] =
    c instanceof MysqlDatabase
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
async function upsertTags(c: Queryable, modelId: string, experimentId: unknown, tags: LoggedModelTag[]): Promise<void> {
  if (tags.length === 0) return;
  const last = new Map<string, string>();
  for (const t of tags) last.set(t.key, t.value);
  const rows = [...last].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [modelId, experimentId, k, v]);
  await c.query(
    'INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES ? ON DUPLICATE KEY UPDATE tag_value = VALUES(tag_value)',
    [rows],
  );
}

/** Inserts params; a key logged before with another value is INVALID_PARAMETER_VALUE (the caller's transaction rolls back). */
async function insertParams(c: Queryable, modelId: string, experimentId: unknown, params: LoggedModelParameter[]): Promise<void> {
  if (params.length === 0) return;
  const wanted = distinctParams(params);
  const keys = [...wanted.keys()].sort();
  await c.query('INSERT IGNORE INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES ?', [
    keys.map((k) => [modelId, experimentId, k, wanted.get(k)]),
  ]);
  const [rows] = (await c.query(
    `SELECT param_key, param_value FROM logged_model_params WHERE model_id = ? AND param_key IN (${qs(keys.length)})`,
    [modelId, ...keys],
  )) as unknown as [{ param_key: string; param_value: string }[]];
  for (const r of rows) {
    const v = wanted.get(r.param_key);
    if (v === undefined) {
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
  db: MysqlDatabase,
  options: CreateLoggedModelOptions,
  experiment: (c: Queryable) => Promise<{ experiment_id: unknown; artifact_location: string | null }>,
): Promise<LoggedModel> {
  const modelId = `m-${randomUUID().replace(/-/g, '')}`;
  return db.transaction(
    async (c) => {
      const exp = await experiment(c);
      const now = Date.now();
      await c.query(
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
      await insertParams(c, modelId, exp.experiment_id, options.params ?? []);
      await upsertTags(c, modelId, exp.experiment_id, options.tags ?? []);
      const [model] = await loadLoggedModels(c, [await loggedModelRow(c, modelId)]);
      return model!;
    },
    // A retry after a lost commit would create a second model: not idempotent.
    false,
    'createLoggedModel',
  );
}

/** The model, deleted ones excluded. */
export async function getLoggedModel(db: MysqlDatabase, modelId: string): Promise<LoggedModel> {
  const [model] = await loadLoggedModels(db, [await loggedModelRow(db, modelId)]);
  return model!;
}

/**
 * Sets a final status with the row locked, so a concurrent delete either sees the finalized model or
 * makes this answer RESOURCE_DOES_NOT_EXIST, never a mix. The same final status again is a no-op;
 * another one is refused.
 */
export async function finalizeLoggedModel(db: MysqlDatabase, modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
  return db.transaction(
    async (c) => {
      const row = await loggedModelRow(c, modelId, true);
      const current = loggedModelStatusFromNumber(Number(row.status));
      if (current !== status) {
        if (FINAL.has(current)) {
          throw invalidParameter(
            `Logged model '${modelId}' is already finalized with status ${current}; its status cannot change to ${status}. Create a new model instead.`,
            { field: 'status' },
          );
        }
        await c.query('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?', [
          LOGGED_MODEL_STATUS_NUMBER[status],
          Date.now(),
          row.model_id,
        ]);
      }
      const [model] = await loadLoggedModels(c, [await loggedModelRow(c, modelId)]);
      return model!;
    },
    true,
    'finalizeLoggedModel',
  );
}

/** Soft-deletes (`lifecycle_stage = 'deleted'`): one guarded UPDATE, atomic against a concurrent finalize. */
export async function deleteLoggedModel(db: MysqlDatabase, modelId: string): Promise<void> {
  const res = await db.query<WriteResult>(
    `UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ? AND BINARY model_id = ? AND ${NOT_DELETED}`,
    [Date.now(), modelId, modelId],
  );
  if (res.affectedRows === 0) throw modelNotFound(modelId);
}

/** Upserts tags of an existing model (last one wins). */
export async function setLoggedModelTags(db: MysqlDatabase, modelId: string, tags: LoggedModelTag[]): Promise<void> {
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(c, modelId);
      await upsertTags(c, row.model_id, row.experiment_id, tags);
    },
    true,
    'setLoggedModelTags',
  );
}

/** Removes a tag; a missing model or key is RESOURCE_DOES_NOT_EXIST naming it. */
export async function deleteLoggedModelTag(db: MysqlDatabase, modelId: string, key: string): Promise<void> {
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(c, modelId);
      const [res] = (await c.query('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ? AND BINARY tag_key = ?', [
        row.model_id,
        key,
        key,
      ])) as unknown as [WriteResult];
      if (res.affectedRows === 0)
        throw notFound(`No tag with key '${key}' on logged model '${modelId}'. List the model's tags with getLoggedModel.`);
    },
    false,
    'deleteLoggedModelTag',
  );
}

/** Adds params to an existing model; the same value again is a no-op, another value is refused. */
export async function logLoggedModelParams(db: MysqlDatabase, modelId: string, params: LoggedModelParameter[]): Promise<void> {
  if (params.length === 0) {
    await loggedModelRow(db, modelId);
    return;
  }
  await db.transaction(
    async (c) => {
      const row = await loggedModelRow(c, modelId);
      await insertParams(c, row.model_id, row.experiment_id, params);
    },
    true,
    'logLoggedModelParams',
  );
}

/** mysql2's "referenced row is missing" (a foreign key names a row that does not exist). */
function isMissingReference(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW';
}

/** The ids among `ids` that have no `logged_models` row, for an error that names them. */
async function missingModels(c: Queryable, ids: string[]): Promise<string[]> {
  const [rows] = (await c.query(`SELECT model_id FROM logged_models WHERE model_id IN (${qs(ids.length)})`, ids)) as unknown as [Row[]];
  const found = new Set(rows.map((r) => String(r.model_id)));
  return ids.filter((id) => !found.has(id));
}

/**
 * Metric points that carry a `modelId`, into `logged_model_metrics` as MLflow's log_batch writes
 * them (the run's experiment and id, the dataset's name and digest, and its `datasets` row when the
 * experiment has one). Runs in the caller's logBatch transaction; exact repeats are upserts, so the
 * batch stays retryable. An unknown model is RESOURCE_DOES_NOT_EXIST naming it.
 */
export async function insertModelMetrics(c: Queryable, runId: string, experimentId: unknown, metrics: Metric[]): Promise<void> {
  const pairs = new Map<string, [string, string]>();
  for (const m of metrics)
    if (m.datasetName && m.datasetDigest) pairs.set(`${m.datasetName}\u0000${m.datasetDigest}`, [m.datasetName, m.datasetDigest]);
  const datasetUuids = new Map<string, string>();
  if (pairs.size > 0) {
    const [rows] = (await c.query(
      `SELECT dataset_uuid, name, digest FROM datasets WHERE experiment_id = ? AND (name, digest) IN (${[...pairs.values()].map(() => '(?, ?)').join(', ')})`,
      [experimentId, ...[...pairs.values()].flat()],
    )) as unknown as [Row[]];
    for (const r of rows) datasetUuids.set(`${String(r.name)}\u0000${String(r.digest)}`, String(r.dataset_uuid));
  }
  const rows = metrics.map((m) => {
    const [value, isNan] = toStoredValue(m.value);
    const dataset = m.datasetName && m.datasetDigest ? datasetUuids.get(`${m.datasetName}\u0000${m.datasetDigest}`) : undefined;
    return [
      m.modelId,
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
  });
  try {
    await c.query(
      `INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
       VALUES ? ON DUPLICATE KEY UPDATE metric_value = VALUES(metric_value), dataset_uuid = VALUES(dataset_uuid), dataset_name = VALUES(dataset_name), dataset_digest = VALUES(dataset_digest)`,
      [rows],
    );
  } catch (error) {
    if (!isMissingReference(error)) throw error;
    const missing = await missingModels(c, [...new Set(metrics.map((m) => m.modelId!))]);
    throw notFound(
      `Logged model with ID '${missing.join("', '") || metrics[0]!.modelId}' not found: metrics with a model_id need an existing logged model (create it first).`,
    );
  }
}

/**
 * Records models a run produced, as MLflow 3 does: `inputs` rows from (RUN_OUTPUT, run id) to
 * (MODEL_OUTPUT, model id) with the step. The same model again moves its step.
 */
export async function logOutputs(
  db: MysqlDatabase,
  runId: string,
  models: LoggedModelOutput[],
  activeRun: (c: Queryable) => Promise<unknown>,
): Promise<void> {
  await db.transaction(
    async (c) => {
      await activeRun(c);
      if (models.length === 0) return;
      const ids = [...new Set(models.map((m) => m.modelId))];
      const missing = await missingModels(c, ids);
      if (missing.length > 0) throw modelNotFound(missing[0]!);
      await c.query(
        'INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES ? ON DUPLICATE KEY UPDATE step = VALUES(step)',
        [models.map((m) => [randomUUID().replace(/-/g, ''), 'RUN_OUTPUT', runId, 'MODEL_OUTPUT', m.modelId, m.step])],
      );
    },
    true,
    'logOutputs',
  );
}

/** Run id → the models it produced (`inputs` rows from RUN_OUTPUT to MODEL_OUTPUT), for many runs at once. */
export async function runOutputs(db: MysqlDatabase, runIds: string[]): Promise<Map<string, LoggedModelOutput[]>> {
  const out = new Map<string, LoggedModelOutput[]>();
  if (runIds.length === 0) return out;
  const rows = await db.query<Row[]>(
    `SELECT source_id, destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT' AND source_id IN (${qs(runIds.length)}) ORDER BY step, destination_id`,
    runIds,
  );
  for (const r of rows) pushTo(out, String(r.source_id), { modelId: String(r.destination_id), step: num(r.step) ?? 0 });
  return out;
}
