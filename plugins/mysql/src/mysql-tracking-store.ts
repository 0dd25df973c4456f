import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  type CreateLoggedModelOptions,
  type CreateRunOptions,
  type DatasetInput,
  decodePageToken,
  encodePageToken,
  type Experiment,
  type ExperimentTag,
  generateRunId,
  generateRunName,
  invalidParameter,
  LabbookError,
  type LogBatchInput,
  type LoggedModel,
  type LoggedModelOutput,
  type LoggedModelParameter,
  type LoggedModelStatus,
  type LoggedModelTag,
  type Metric,
  type MetricHistoryOptions,
  notFound,
  type PagedList,
  type Run,
  type RunInfo,
  type RunTag,
  type TrackingStore,
  type UpdateRunOptions,
  viewTypeStages,
} from '@labbook/core/plugin';
import type { ExperimentsQuery, LoggedModelsQuery, RunsQuery, SearchAnswer } from '@labbook/core/plugin';
import type { MysqlDatabase } from './database.js';
import { isDuplicateKey, type Queryable } from './errors.js';
import * as loggedModels from './logged-models.js';
import { compileLoggedModelSearch } from './logged-models-search-sql.js';
import { pushTo } from './multimap.js';
import { databaseOf, type MysqlTrackingStoreOptions } from './options.js';
import { qs, type Row, rowsOf, type WriteResult } from './queries.js';
import {
  type ExperimentRow,
  experimentFromRow,
  type MetricRow,
  metricFromRow,
  type RunRow,
  runInfoFromRow,
  toStoredValue,
} from './rows.js';
import { compileRunSearch } from './runs-search-sql.js';

const RUN_NAME_TAG = 'mlflow.runName';

const RUN_COLUMNS =
  'run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time';

/**
 * Tag keys the returned Run can be built from without re-reading: the database's collation (case-
 * and accent-insensitive by default, PAD SPACE) could merge two of them into one row, which only a
 * read shows. Plain ASCII keys that stay distinct lowercased and without trailing spaces cannot merge.
 */
function keysSurviveCollation(keys: string[]): boolean {
  const seen = new Set<string>();
  for (const k of keys) {
    if (!/^[\x20-\x7e]*$/.test(k)) return false;
    const folded = k.toLowerCase().trimEnd();
    if (seen.has(folded)) return false;
    seen.add(folded);
  }
  return true;
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function experimentIdNumber(id: string): number | undefined {
  return /^\d{1,10}$/.test(id) && Number(id) <= 2147483647 ? Number(id) : undefined;
}

/**
 * MLflow's SqlAlchemyStore on MySQL/MariaDB: the same tables, rows and behaviours (mlflow-compat §4,
 * Appendix B), so MLflow and labbook share one database.
 */
export class MysqlTrackingStore implements TrackingStore {
  readonly db: MysqlDatabase;
  /**
   * Experiments' artifact locations, so that createRun need not read the experiment first. A stale
   * entry is harmless: the INSERT checks it against the row (and the experiment is active) in its
   * WHERE clause, and a miss falls back to reading the experiment.
   */
  private readonly artifactLocations = new Map<number, string | null>();

  constructor(options: MysqlTrackingStoreOptions) {
    this.db = databaseOf(options);
  }

  // ---- experiments -------------------------------------------------------------------------

  async createExperiment(name: string, artifactLocation?: string, tags: ExperimentTag[] = []): Promise<string> {
    return this.db.transaction(
      async (c) => {
        const now = Date.now();
        let id: number;
        try {
          const [res] = (await c.query(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)",
            [name, artifactLocation ?? null, now, now],
          )) as unknown as [{ insertId: number }];
          id = res.insertId;
        } catch (error) {
          if (isDuplicateKey(error)) throw alreadyExists(`Experiment(name=${name}) already exists. Error: duplicate experiment name`);
          throw error;
        }
        if (artifactLocation === undefined || artifactLocation === '') {
          await c.query('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [`${this.db.artifactRoot}/${id}`, id]);
        }
        if (tags.length > 0) {
          await c.query(
            'INSERT INTO experiment_tags (`key`, value, experiment_id) VALUES ? ON DUPLICATE KEY UPDATE value = VALUES(value)',
            [tags.map((t) => [t.key, t.value, id])],
          );
        }
        return String(id);
      },
      false,
      'createExperiment',
    );
  }

  private async experimentRow(c: Queryable | MysqlDatabase, experimentId: string): Promise<ExperimentRow> {
    const id = experimentIdNumber(experimentId);
    const rows = id === undefined ? [] : await rowsOf<ExperimentRow>(c, 'SELECT * FROM experiments WHERE experiment_id = ?', [id]);
    if (rows.length === 0) throw notFound(`No Experiment with id=${experimentId} exists`);
    return rows[0]!;
  }

  private async experimentTags(ids: number[]): Promise<Map<string, { key: string; value: string }[]>> {
    const out = new Map<string, { key: string; value: string }[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.query<Row[]>(
      `SELECT \`key\`, value, experiment_id FROM experiment_tags WHERE experiment_id IN (${qs(ids.length)})`,
      ids,
    );
    for (const r of rows) {
      pushTo(out, String(r.experiment_id), { key: String(r.key), value: (r.value as string | null) ?? '' });
    }
    return out;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const row = await this.experimentRow(this.db, experimentId);
    const tags = await this.experimentTags([Number(row.experiment_id)]);
    return experimentFromRow(row, tags.get(String(row.experiment_id)) ?? []);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const rows = await this.db.query<ExperimentRow[]>('SELECT * FROM experiments WHERE name = ? AND BINARY name = ?', [name, name]);
    if (rows.length === 0) return null;
    const tags = await this.experimentTags([Number(rows[0]!.experiment_id)]);
    return experimentFromRow(rows[0]!, tags.get(String(rows[0]!.experiment_id)) ?? []);
  }

  /** The experiments of the query's view type with their tags: core filters, orders and pages them (MLflow's SQL store does the same in SQL; experiments are few). */
  async searchExperiments(query: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
    const stages = viewTypeStages(query.viewType);
    const rows = await this.db.query<ExperimentRow[]>(
      `SELECT * FROM experiments WHERE lifecycle_stage IN (${stages.map(() => '?').join(', ')})`,
      stages,
    );
    const tags = await this.experimentTags(rows.map((r) => Number(r.experiment_id)));
    return { kind: 'candidates', items: rows.map((r) => experimentFromRow(r, tags.get(String(r.experiment_id)) ?? [])) };
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        const now = Date.now();
        await c.query("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?", [
          now,
          row.experiment_id,
        ]);
        await c.query("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ?", [now, row.experiment_id]);
      },
      true,
      'deleteExperiment',
    );
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        await c.query("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?", [
          Date.now(),
          row.experiment_id,
        ]);
        await c.query("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?", [row.experiment_id]);
      },
      true,
      'restoreExperiment',
    );
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        if (row.lifecycle_stage !== 'active') throw invalidParameter('Cannot rename a non-active experiment.');
        try {
          await c.query('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [
            newName,
            Date.now(),
            row.experiment_id,
          ]);
        } catch (error) {
          if (isDuplicateKey(error)) throw alreadyExists(`Experiment(name=${newName}) already exists. Error: duplicate experiment name`);
          throw error;
        }
      },
      false,
      'renameExperiment',
    );
  }

  private requireActiveExperiment(row: ExperimentRow): void {
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(
        `The experiment ${String(row.experiment_id)} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        this.requireActiveExperiment(row);
        await c.query(
          'INSERT INTO experiment_tags (`key`, value, experiment_id) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)',
          [tag.key, tag.value, row.experiment_id],
        );
      },
      true,
      'setExperimentTag',
    );
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        this.requireActiveExperiment(row);
        const [res] = (await c.query('DELETE FROM experiment_tags WHERE experiment_id = ? AND `key` = ? AND BINARY `key` = ?', [
          row.experiment_id,
          key,
          key,
        ])) as unknown as [{ affectedRows: number }];
        if (res.affectedRows === 0) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
      },
      false,
      'deleteExperimentTag',
    );
  }

  // ---- runs --------------------------------------------------------------------------------

  async createRun(options: CreateRunOptions): Promise<Run> {
    const tags = [...(options.tags ?? [])];
    const tagName = tags.findLast((t) => t.key === RUN_NAME_TAG)?.value;
    if (options.runName !== undefined && tagName !== undefined && options.runName !== tagName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = options.runName ?? tagName ?? generateRunName();
    if (tagName === undefined) tags.push({ key: RUN_NAME_TAG, value: runName });
    const runId = generateRunId();
    const startTime = options.startTime ?? Date.now();
    const experimentId = experimentIdNumber(options.experimentId);
    const last = lastTagValues(tags);
    let artifactUri = '';
    let warnings = 0;
    await this.db.transaction(
      async (c) => {
        const uriFor = (location: string | null) => `${(location ?? '').replace(/\/+$/, '')}/${runId}/artifacts`;
        const values = [runId, runName, options.userId ?? null, startTime];
        let res: WriteResult | undefined;
        const cached = experimentId === undefined ? undefined : this.artifactLocations.get(experimentId);
        if (cached !== undefined) {
          // One statement both checks the experiment (exists, active, location as cached) and inserts.
          artifactUri = uriFor(cached);
          [res] = (await c.query(
            `INSERT INTO runs (${RUN_COLUMNS}) SELECT ?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, experiment_id, NULL FROM experiments WHERE experiment_id = ? AND lifecycle_stage = 'active' AND artifact_location <=> ?`,
            [...values, artifactUri, experimentId, cached],
          )) as unknown as [WriteResult];
        }
        if (res === undefined || res.affectedRows === 0) {
          const exp = await this.experimentRow(c, options.experimentId);
          this.requireActiveExperiment(exp);
          this.artifactLocations.set(Number(exp.experiment_id), exp.artifact_location);
          artifactUri = uriFor(exp.artifact_location);
          [res] = (await c.query(
            `INSERT INTO runs (${RUN_COLUMNS}) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)`,
            [...values, artifactUri, exp.experiment_id],
          )) as unknown as [WriteResult];
        }
        warnings += res.warningStatus ?? 0;
        // runs.name was written with the run name above, so the tags need no follow-up UPDATE.
        if (last.size > 0) warnings += (await writeTags(c, runId, last)).warningStatus ?? 0;
      },
      false,
      'createRun',
    );
    // A non-strict server truncates over-long values with a warning, and the collation may merge
    // keys: then only a read says what was stored. Otherwise the rows are exactly what was sent.
    if (warnings > 0 || !keysSurviveCollation([...last.keys()]) || !Number.isSafeInteger(startTime) || experimentId === undefined)
      return this.getRun(runId);
    const info: RunInfo = {
      runId,
      runUuid: runId,
      runName,
      experimentId: String(experimentId),
      userId: options.userId ?? '',
      status: 'RUNNING',
      artifactUri,
      lifecycleStage: 'active',
      startTime,
    };
    const runTags = [...last].map(([key, value]) => ({ key, value })).sort(byKey);
    return { info, data: { metrics: [], params: [], tags: runTags }, inputs: { datasetInputs: [] } };
  }

  private async runRow(c: Queryable | MysqlDatabase, runId: string, lock = false): Promise<RunRow> {
    const rows = await rowsOf<RunRow>(c, `SELECT * FROM runs WHERE run_uuid = ?${lock ? ' FOR UPDATE' : ''}`, [runId]);
    if (rows.length === 0 || rows[0]!.run_uuid !== runId) throw notFound(`Run with id=${runId} not found`);
    return rows[0]!;
  }

  private requireActiveRun(row: RunRow): void {
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(`The run ${row.run_uuid} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.runRow(this.db, runId);
    const [run] = await this.loadRuns([row]);
    return run!;
  }

  /** Params, tags, latest metrics and inputs of many runs in four queries. */
  private async loadRuns(rows: RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.run_uuid);
    const marks = qs(ids.length);
    const [params, tags, metrics, inputs, outputs] = await Promise.all([
      this.db.query<Row[]>(`SELECT run_uuid, \`key\`, value FROM params WHERE run_uuid IN (${marks})`, ids),
      this.db.query<Row[]>(`SELECT run_uuid, \`key\`, value FROM tags WHERE run_uuid IN (${marks})`, ids),
      this.db.query<MetricRow[]>(
        `SELECT run_uuid, \`key\`, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (${marks})`,
        ids,
      ),
      this.db.query<Row[]>(
        `SELECT i.destination_id AS run_uuid, i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile
         FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
         WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN (${marks})`,
        ids,
      ),
      loggedModels.runOutputs(this.db, ids),
    ]);
    const runs = new Map<string, Run>();
    for (const r of rows) {
      runs.set(r.run_uuid, { info: runInfoFromRow(r), data: { metrics: [], params: [], tags: [] }, inputs: { datasetInputs: [] } });
    }
    for (const p of params) runs.get(String(p.run_uuid))?.data.params.push({ key: String(p.key), value: String(p.value) });
    for (const t of tags) runs.get(String(t.run_uuid))?.data.tags.push({ key: String(t.key), value: (t.value as string | null) ?? '' });
    // The rows come in the collation's order, which varies by server; sorting makes a read equal to
    // the Run that createRun builds from what it wrote.
    for (const run of runs.values()) run.data.tags.sort(byKey);
    for (const m of metrics) runs.get(String(m.run_uuid))?.data.metrics.push(metricFromRow(m));
    // Only runs that produced models carry `outputs`, so a read equals the Run createRun builds.
    for (const [runId, modelOutputs] of outputs) {
      const run = runs.get(runId);
      if (run) run.outputs = { modelOutputs };
    }
    if (inputs.length > 0) {
      const inputIds = inputs.map((i) => String(i.input_uuid));
      const inputTags = await this.db.query<Row[]>(
        `SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN (${qs(inputIds.length)})`,
        inputIds,
      );
      const tagsByInput = new Map<string, { key: string; value: string }[]>();
      for (const t of inputTags) {
        pushTo(tagsByInput, String(t.input_uuid), { key: String(t.name), value: String(t.value) });
      }
      for (const i of inputs) {
        const dataset: DatasetInput['dataset'] = {
          name: String(i.name),
          digest: String(i.digest),
          sourceType: String(i.dataset_source_type),
          source: String(i.dataset_source),
        };
        if (i.dataset_schema !== null && i.dataset_schema !== undefined) dataset.schema = String(i.dataset_schema);
        if (i.dataset_profile !== null && i.dataset_profile !== undefined) dataset.profile = String(i.dataset_profile);
        runs.get(String(i.run_uuid))?.inputs.datasetInputs.push({ tags: tagsByInput.get(String(i.input_uuid)) ?? [], dataset });
      }
    }
    return rows.map((r) => runs.get(r.run_uuid)!);
  }

  async updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    const rename = update.runName !== undefined && update.runName !== '';
    if (update.status !== undefined) set('status', update.status);
    if (update.endTime !== undefined) set('end_time', update.endTime);
    if (rename) set('name', update.runName);
    // The run must exist and be active: that check is the UPDATE's WHERE clause, and the row is read
    // only afterwards (for the returned RunInfo, and for the error when nothing matched).
    // BINARY: under a case-insensitive collation another casing of the id would match, and runRow calls that not found.
    const guarded = `UPDATE runs SET ${sets.join(', ')} WHERE run_uuid = ? AND BINARY run_uuid = ? AND lifecycle_stage = 'active'`;
    let matched = true;
    if (rename) {
      // The name and its tag change together.
      await this.db.transaction(
        async (c) => {
          const [res] = (await c.query(guarded, [...values, runId, runId])) as unknown as [WriteResult];
          if (res.affectedRows === 0) this.requireActiveRun(await this.runRow(c, runId));
          await writeTags(c, runId, new Map([[RUN_NAME_TAG, update.runName!]]));
        },
        true,
        'updateRunInfo',
      );
    } else if (sets.length > 0) {
      matched = (await this.db.query<WriteResult>(guarded, [...values, runId, runId])).affectedRows > 0;
    } else {
      matched = false;
    }
    const row = await this.runRow(this.db, runId);
    // Zero affected rows is also what a server without CLIENT_FOUND_ROWS says for an unchanged row.
    if (!matched) this.requireActiveRun(row);
    return runInfoFromRow(row);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        await this.runRow(c, runId);
        await c.query("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?", [Date.now(), runId]);
      },
      true,
      'deleteRun',
    );
  }

  async restoreRun(runId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        await this.runRow(c, runId);
        await c.query("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [runId]);
      },
      true,
      'restoreRun',
    );
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    if (metrics.length + params.length + tags.length === 0) {
      this.requireActiveRun(await this.runRow(this.db, runId));
      return;
    }
    // logParam and logMetric send one entity: their run check rides on the INSERT (see below).
    if (metrics.length === 0 && tags.length === 0 && params.length === 1 && (await this.logOneParam(runId, params[0]!))) return;
    const modelMetrics = metrics.filter((m) => m.modelId !== undefined && m.modelId !== '');
    if (metrics.length === 1 && params.length === 0 && tags.length === 0 && modelMetrics.length === 0) {
      await this.db.transaction(
        async (c) => {
          if ((await insertOneMetric(c, runId, metrics[0]!)).affectedRows === 0) {
            // Nothing inserted: the run is missing or not active, or the point was logged before (a no-op).
            this.requireActiveRun(await this.runRow(c, runId));
          }
          await upsertLatestMetrics(c, runId, metrics);
        },
        true,
        'logBatch',
      );
      return;
    }
    // Every step is idempotent (INSERT IGNORE, checked params, upserts), so the batch may be retried whole.
    await this.db.transaction(
      async (c) => {
        const run = await this.runRow(c, runId);
        this.requireActiveRun(run);
        if (params.length > 0) await insertParams(c, runId, params);
        if (tags.length > 0) await upsertTags(c, runId, tags);
        if (metrics.length > 0) await insertMetrics(c, runId, metrics);
        if (modelMetrics.length > 0) await loggedModels.insertModelMetrics(c, runId, run.experiment_id, modelMetrics);
      },
      true,
      'logBatch',
    );
  }

  /**
   * One param in one autocommitted statement that inserts only if the run exists and is active.
   * Inserted cleanly means there was nothing to compare against, so done; anything else (run
   * missing or inactive, key taken, a warning) returns false and the caller takes the general path,
   * which gives the same answers and errors as before.
   */
  private async logOneParam(runId: string, param: { key: string; value: string }): Promise<boolean> {
    // Over-long values would be a strict-mode error or a truncation here, not the general path's error.
    if (param.key.length > 250 || param.value.length > 8000) return false;
    let res: WriteResult;
    try {
      res = await this.db.query<WriteResult>(
        "INSERT INTO params (`key`, value, run_uuid) SELECT ?, ?, run_uuid FROM runs WHERE run_uuid = ? AND BINARY run_uuid = ? AND lifecycle_stage = 'active'",
        [param.key, param.value, runId, runId],
      );
    } catch (error) {
      // An unavailable database stays unavailable for the general path too: say so now.
      if (LabbookError.is(error) && error.code === 'TEMPORARILY_UNAVAILABLE') throw error;
      // A taken key or any other failure: the general path meets the same condition and answers (or
      // reports) it as it always has.
      return false;
    }
    if (res.affectedRows === 0) return false;
    if ((res.warningStatus ?? 0) > 0) {
      // A non-strict server stored something other than what was sent (say, characters the column's
      // charset lacks). The general path rejects that and rolls back; undo the row to match it.
      await this.db.query('DELETE FROM params WHERE run_uuid = ? AND BINARY run_uuid = ? AND `key` = ?', [runId, runId, param.key]);
      return false;
    }
    return true;
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        this.requireActiveRun(await this.runRow(c, runId));
        const [res] = (await c.query('DELETE FROM tags WHERE run_uuid = ? AND `key` = ? AND BINARY `key` = ?', [
          runId,
          key,
          key,
        ])) as unknown as [{ affectedRows: number }];
        if (res.affectedRows === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
      },
      false,
      'deleteTag',
    );
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    if (datasets.length === 0) return;
    await this.db.transaction(
      async (c) => {
        const run = await this.runRow(c, runId);
        this.requireActiveRun(run);
        for (const input of datasets) {
          const d = input.dataset;
          await c.query(
            'INSERT IGNORE INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [
              randomUUID().replace(/-/g, ''),
              run.experiment_id,
              d.name,
              d.digest,
              d.sourceType,
              d.source,
              d.schema ?? null,
              d.profile ?? null,
            ],
          );
          const found = await rowsOf<Row>(c, 'SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?', [
            run.experiment_id,
            d.name,
            d.digest,
          ]);
          const datasetUuid = String(found[0]!.dataset_uuid);
          const inputUuid = randomUUID().replace(/-/g, '');
          const [res] = (await c.query(
            "INSERT IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'DATASET', ?, 'RUN', ?, 0)",
            [inputUuid, datasetUuid, runId],
          )) as unknown as [{ affectedRows: number }];
          if (res.affectedRows > 0 && input.tags.length > 0) {
            await c.query('INSERT IGNORE INTO input_tags (input_uuid, name, value) VALUES ?', [
              input.tags.map((t) => [inputUuid, t.key, t.value]),
            ]);
          }
        }
      },
      true,
      'logInputs',
    );
  }

  async getMetricHistory(runId: string, key: string, options: MetricHistoryOptions = {}): Promise<PagedList<Metric>> {
    await this.runRow(this.db, runId);
    const max = options.maxResults ?? 0;
    const offset = decodePageToken(options.pageToken);
    // The primary key (key, timestamp, step, run_uuid, value, is_nan) serves this order without a sort.
    const base =
      'SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND `key` = ? AND BINARY `key` = ? ORDER BY timestamp, step, value';
    // Arrays rather than objects per row: a million-point history is read noticeably faster.
    const read = async (sql: string, values: unknown[]) => {
      const rows = await this.db.query<[number, unknown, unknown, number][]>(sql, values, true);
      return rows.map(
        ([value, timestamp, step, isNan]): Metric => ({
          key,
          value: Number(isNan) === 1 ? Number.NaN : value,
          timestamp: typeof timestamp === 'number' ? timestamp : Number(timestamp),
          step: typeof step === 'number' ? step : Number(step),
        }),
      );
    };
    if (max <= 0) {
      const items = await read(
        offset > 0 ? `${base} LIMIT 18446744073709551615 OFFSET ?` : base,
        offset > 0 ? [runId, key, key, offset] : [runId, key, key],
      );
      return { items };
    }
    const rows = await read(`${base} LIMIT ? OFFSET ?`, [runId, key, key, max + 1, offset]);
    const items = rows.slice(0, max);
    return rows.length > max ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
  }

  /** Answered natively: one SELECT for the page (see compileRunSearch). */
  async searchRuns(query: RunsQuery): Promise<SearchAnswer<Run>> {
    const { offset, maxResults: limit } = query.page;
    const experimentIds = query.experimentIds.map(experimentIdNumber).filter((n): n is number => n !== undefined);
    const { sql, values } = compileRunSearch({
      experimentIds,
      lifecycleStages: viewTypeStages(query.viewType),
      filter: query.filter,
      orderBy: query.orderBy,
      limit,
      offset,
    });
    const rows = await this.db.query<RunRow[]>(sql, values);
    const items = await this.loadRuns(rows);
    // SQL store semantics: a token whenever the page is full.
    return {
      kind: 'page',
      page: items.length === limit && limit > 0 ? { items, nextPageToken: encodePageToken(offset + limit) } : { items },
    };
  }

  // ---- logged models (MLflow 3) ------------------------------------------------------------

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    return loggedModels.createLoggedModel(this.db, options, async (c) => {
      const exp = await this.experimentRow(c, options.experimentId);
      this.requireActiveExperiment(exp);
      return exp;
    });
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return loggedModels.getLoggedModel(this.db, modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return loggedModels.finalizeLoggedModel(this.db, modelId, status);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await loggedModels.deleteLoggedModel(this.db, modelId);
  }

  async setLoggedModelTags(modelId: string, tags: LoggedModelTag[]): Promise<void> {
    await loggedModels.setLoggedModelTags(this.db, modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await loggedModels.deleteLoggedModelTag(this.db, modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: LoggedModelParameter[]): Promise<void> {
    await loggedModels.logLoggedModelParams(this.db, modelId, params);
  }

  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    await loggedModels.logOutputs(this.db, runId, models, async (c) => this.requireActiveRun(await this.runRow(c, runId)));
  }

  /** Answered natively: one SELECT for the page (see compileLoggedModelSearch), then the page's params, tags and metrics. */
  async searchLoggedModels(query: LoggedModelsQuery): Promise<SearchAnswer<LoggedModel>> {
    const { offset, maxResults: limit } = query.page;
    const { sql, values } = compileLoggedModelSearch({
      experimentIds: query.experimentIds.map(experimentIdNumber).filter((n): n is number => n !== undefined),
      filter: query.filter,
      datasets: query.datasets,
      order: query.order,
      limit,
      offset,
    });
    const rows = await this.db.query<loggedModels.LoggedModelRow[]>(sql, values);
    const items = await loggedModels.loadLoggedModels(this.db, rows);
    // SQL store semantics: a token whenever the page is full.
    return {
      kind: 'page',
      page: items.length === limit && limit > 0 ? { items, nextPageToken: encodePageToken(offset + limit) } : { items },
    };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** The last value given for each tag key (last one wins). */
function lastTagValues(tags: RunTag[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const t of tags) last.set(t.key, t.value);
  return last;
}

/** Upserts run tags in one multi-row statement, in key order so that concurrent writers lock rows alike. */
async function writeTags(c: Queryable, runId: string, last: Map<string, string>): Promise<WriteResult> {
  const rows = [...last].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, v, runId]);
  const [res] = (await c.query('INSERT INTO tags (`key`, value, run_uuid) VALUES ? ON DUPLICATE KEY UPDATE value = VALUES(value)', [
    rows,
  ])) as unknown as [WriteResult];
  return res;
}

/** Upserts run tags (last one wins) and keeps `runs.name` equal to the `mlflow.runName` tag. */
async function upsertTags(c: Queryable, runId: string, tags: RunTag[]): Promise<void> {
  if (tags.length === 0) return;
  const last = lastTagValues(tags);
  await writeTags(c, runId, last);
  const name = last.get(RUN_NAME_TAG);
  if (name !== undefined) await c.query('UPDATE runs SET name = ? WHERE run_uuid = ?', [name, runId]);
}

/** Inserts params; a key logged before with another value is INVALID_PARAMETER_VALUE (the transaction rolls back). */
async function insertParams(c: Queryable, runId: string, params: { key: string; value: string }[]): Promise<void> {
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
  await c.query('INSERT IGNORE INTO params (`key`, value, run_uuid) VALUES ?', [keys.map((k) => [k, wanted.get(k), runId])]);
  const [rows] = (await c.query(`SELECT \`key\`, value FROM params WHERE run_uuid = ? AND \`key\` IN (${qs(keys.length)})`, [
    runId,
    ...keys,
  ])) as unknown as [{ key: string; value: string }[]];
  for (const r of rows) {
    const v = wanted.get(r.key);
    if (v === undefined) {
      // A case-insensitive collation (MySQL's default) makes `LR` and `lr` one primary key.
      throw invalidParameter(
        `Param key '${keys.find((k) => k.toLowerCase() === r.key.toLowerCase()) ?? r.key}' clashes with the logged key '${r.key}' under the database's case-insensitive collation (create the database with utf8mb4_bin to keep both).`,
      );
    }
    if (v !== r.value) {
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${r.key}' was already logged with value='${r.value}' for run ID='${runId}'. Attempted logging new value '${v}'.`,
      );
    }
  }
}

/**
 * Appends one metric point only if the run exists and is active, in one statement (exact duplicates
 * ignored, as in {@link insertMetrics}). Zero affected rows is either case.
 */
async function insertOneMetric(c: Queryable, runId: string, m: Metric): Promise<WriteResult> {
  const [value, isNan] = toStoredValue(m.value);
  const [res] = (await c.query(
    "INSERT IGNORE INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) SELECT ?, ?, ?, run_uuid, ?, ? FROM runs WHERE run_uuid = ? AND BINARY run_uuid = ? AND lifecycle_stage = 'active'",
    [m.key, value, m.timestamp, m.step ?? 0, isNan, runId, runId],
  )) as unknown as [WriteResult];
  return res;
}

/**
 * Appends metric points (exact duplicates ignored by the primary key) and moves `latest_metrics` to
 * the winner by (step, timestamp, value), in the caller's transaction.
 */
async function insertMetrics(c: Queryable, runId: string, metrics: Metric[]): Promise<void> {
  const rows: unknown[][] = [];
  for (const m of metrics) {
    const [value, isNan] = toStoredValue(m.value);
    rows.push([m.key, value, m.timestamp, runId, m.step ?? 0, isNan]);
  }
  await c.query('INSERT IGNORE INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) VALUES ?', [rows]);
  await upsertLatestMetrics(c, runId, metrics);
}

/** Moves `latest_metrics` to the winner by (step, timestamp, value) of each key. */
async function upsertLatestMetrics(c: Queryable, runId: string, metrics: Metric[]): Promise<void> {
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
  // @w holds "the new point wins" for the row being updated; assignments run left to right, so the
  // comparison must be made before any column changes.
  await c.query(
    `INSERT INTO latest_metrics (\`key\`, value, timestamp, step, is_nan, run_uuid) VALUES ?
     ON DUPLICATE KEY UPDATE
       is_nan = IF(@labbook_w := ((VALUES(step), COALESCE(VALUES(timestamp), 0), VALUES(value)) > (step, COALESCE(timestamp, 0), value)), VALUES(is_nan), is_nan),
       value = IF(@labbook_w, VALUES(value), value),
       timestamp = IF(@labbook_w, VALUES(timestamp), timestamp),
       step = IF(@labbook_w, VALUES(step), step)`,
    [latest],
  );
}
