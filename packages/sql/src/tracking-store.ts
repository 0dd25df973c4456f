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
  type ImportedRun,
  type ImportOutcome,
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
  type TrackingStore,
  type UpdateRunOptions,
  viewTypeStages,
} from '@labbook/core/plugin';
import type { ExperimentsQuery, LoggedModelsQuery, RunsQuery, SearchAnswer } from '@labbook/core/plugin';
import { rowsOf, type SqlDatabase } from './database.js';
import { placeholders, type SqlDialect } from './dialect.js';
import type { Row, SqlExecutor, SqlResult } from './driver.js';
import * as loggedModels from './logged-models.js';
import { compileLoggedModelSearch } from './logged-models-search-sql.js';
import { pushTo } from './multimap.js';
import { type ExperimentRow, experimentFromRow, type MetricRow, metricFromRow, type RunRow, runInfoFromRow } from './rows.js';
import { importExperiment, importRun } from './run-import.js';
import {
  experimentIdNumber,
  insertMetrics,
  insertOneMetric,
  insertParams,
  lastTagValues,
  RUN_COLUMNS,
  RUN_NAME_TAG,
  upsertLatestMetrics,
  upsertTags,
  writeDatasetInputs,
  writeExperimentTags,
  writeTags,
} from './run-writes.js';
import { compileRunSearch } from './runs-search-sql.js';

/** The columns of `runs`, in the order the INSERTs below give them. */

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

/**
 * MLflow's SqlAlchemyStore: the same tables, rows and behaviours (mlflow-compat §4, Appendix B), so
 * MLflow and labbook share one database. Statements are canonical SQL; the database's dialect
 * renders what differs (see `dialect.ts`).
 */
export class SqlTrackingStore implements TrackingStore {
  readonly db: SqlDatabase;
  /**
   * Experiments' artifact locations, so that createRun need not read the experiment first. A stale
   * entry is harmless: the INSERT checks it against the row (and the experiment is active) in its
   * WHERE clause, and a miss falls back to reading the experiment.
   */
  private readonly artifactLocations = new Map<number, string | null>();

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  private get d(): SqlDialect {
    return this.db.dialect;
  }

  // ---- experiments -------------------------------------------------------------------------

  async createExperiment(name: string, artifactLocation?: string, tags: ExperimentTag[] = []): Promise<string> {
    return this.db.transaction(
      async (c) => {
        const now = Date.now();
        let id: number;
        try {
          const res = await c.run(
            `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)${this.d.returningId('experiment_id')}`,
            [name, artifactLocation ?? null, now, now],
          );
          id = Number(res.insertId);
        } catch (error) {
          // Thrown on at once (the transaction rolls back), so no statement follows the failed one.
          if (this.db.isDuplicateKey(error))
            throw alreadyExists(`Experiment(name=${name}) already exists. Error: duplicate experiment name`);
          throw error;
        }
        if (artifactLocation === undefined || artifactLocation === '') {
          await c.run('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [`${this.db.artifactRoot}/${id}`, id]);
        }
        await writeExperimentTags(this.d, c, id, tags);
        return String(id);
      },
      false,
      'createExperiment',
    );
  }

  private async experimentRow(c: SqlExecutor | SqlDatabase, experimentId: string): Promise<ExperimentRow> {
    const id = experimentIdNumber(experimentId);
    const rows = id === undefined ? [] : await rowsOf<ExperimentRow>(c, 'SELECT * FROM experiments WHERE experiment_id = ?', [id]);
    if (rows.length === 0) throw notFound(`No Experiment with id=${experimentId} exists`);
    return rows[0]!;
  }

  private async experimentTags(ids: number[]): Promise<Map<string, { key: string; value: string }[]>> {
    const out = new Map<string, { key: string; value: string }[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.query<Row>(
      `SELECT \`key\`, value, experiment_id FROM experiment_tags WHERE experiment_id IN (${placeholders(ids.length)})`,
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
    const values: unknown[] = [];
    const rows = await this.db.query<ExperimentRow>(`SELECT * FROM experiments WHERE ${this.d.exactEquals('name', name, values)}`, values);
    if (rows.length === 0) return null;
    const tags = await this.experimentTags([Number(rows[0]!.experiment_id)]);
    return experimentFromRow(rows[0]!, tags.get(String(rows[0]!.experiment_id)) ?? []);
  }

  /** The experiments of the query's view type with their tags: core filters, orders and pages them (MLflow's SQL store does the same in SQL; experiments are few). */
  async searchExperiments(query: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
    const stages = viewTypeStages(query.viewType);
    const rows = await this.db.query<ExperimentRow>(
      `SELECT * FROM experiments WHERE lifecycle_stage IN (${placeholders(stages.length)})`,
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
        await c.run("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?", [
          now,
          row.experiment_id,
        ]);
        await c.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ?", [now, row.experiment_id]);
      },
      true,
      'deleteExperiment',
    );
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        const row = await this.experimentRow(c, experimentId);
        await c.run("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?", [
          Date.now(),
          row.experiment_id,
        ]);
        await c.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?", [row.experiment_id]);
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
          await c.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [
            newName,
            Date.now(),
            row.experiment_id,
          ]);
        } catch (error) {
          if (this.db.isDuplicateKey(error))
            throw alreadyExists(`Experiment(name=${newName}) already exists. Error: duplicate experiment name`);
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
        await writeExperimentTags(this.d, c, row.experiment_id, [tag]);
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
        const values: unknown[] = [row.experiment_id];
        const res = await c.run(
          `DELETE FROM experiment_tags WHERE experiment_id = ? AND ${this.d.exactEquals('`key`', key, values)}`,
          values,
        );
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
        const d = this.d;
        const values = [runId, runName, options.userId ?? null, startTime];
        let res: SqlResult | undefined;
        const cached = experimentId === undefined ? undefined : this.artifactLocations.get(experimentId);
        if (cached !== undefined) {
          // One statement both checks the experiment (exists, active, location as cached) and inserts.
          // The SELECT list's values have no column to take a type from: the dialect types them.
          artifactUri = uriFor(cached);
          const text = d.param('text');
          res = await c.run(
            `INSERT INTO runs (${RUN_COLUMNS}) SELECT ${text}, ${text}, 'UNKNOWN', '', '', ${text}, 'RUNNING', ${d.param('bigint')}, NULL, '', 'active', ${text}, experiment_id, NULL FROM experiments WHERE experiment_id = ? AND lifecycle_stage = 'active' AND ${d.nullSafeEquals('artifact_location', text)}`,
            [...values, artifactUri, experimentId, cached],
          );
        }
        if (res === undefined || res.affectedRows === 0) {
          const exp = await this.experimentRow(c, options.experimentId);
          this.requireActiveExperiment(exp);
          this.artifactLocations.set(Number(exp.experiment_id), exp.artifact_location);
          artifactUri = uriFor(exp.artifact_location);
          res = await c.run(
            `INSERT INTO runs (${RUN_COLUMNS}) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)`,
            [...values, artifactUri, exp.experiment_id],
          );
        }
        warnings += res.warnings;
        // runs.name was written with the run name above, so the tags need no follow-up UPDATE.
        if (last.size > 0) warnings += await writeTags(d, c, runId, last);
      },
      false,
      'createRun',
    );
    // A non-strict server truncates over-long values with a warning, and a folding collation may
    // merge keys: then only a read says what was stored. Otherwise the rows are exactly what was sent.
    if (
      warnings > 0 ||
      (this.d.foldsKeys && !keysSurviveCollation([...last.keys()])) ||
      !Number.isSafeInteger(startTime) ||
      experimentId === undefined
    )
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

  private async runRow(c: SqlExecutor | SqlDatabase, runId: string, lock = false): Promise<RunRow> {
    const rows = await rowsOf<RunRow>(c, `SELECT * FROM runs WHERE run_uuid = ?${lock ? this.d.forUpdate : ''}`, [runId]);
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
    const marks = placeholders(ids.length);
    const [params, tags, metrics, inputs, outputs] = await Promise.all([
      this.db.query<Row>(`SELECT run_uuid, \`key\`, value FROM params WHERE run_uuid IN (${marks})`, ids),
      this.db.query<Row>(`SELECT run_uuid, \`key\`, value FROM tags WHERE run_uuid IN (${marks})`, ids),
      this.db.query<MetricRow>(
        `SELECT run_uuid, \`key\`, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (${marks})`,
        ids,
      ),
      this.db.query<Row>(
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
      const inputTags = await this.db.query<Row>(
        `SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN (${placeholders(inputIds.length)})`,
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
    // Exact: under a case-insensitive collation another casing of the id would match, and runRow calls that not found.
    const guarded = `UPDATE runs SET ${sets.join(', ')} WHERE ${this.d.exactEquals('run_uuid', runId, values)} AND lifecycle_stage = 'active'`;
    let matched = true;
    if (rename) {
      // The name and its tag change together.
      await this.db.transaction(
        async (c) => {
          const res = await c.run(guarded, values);
          if (res.affectedRows === 0) this.requireActiveRun(await this.runRow(c, runId));
          await writeTags(this.d, c, runId, new Map([[RUN_NAME_TAG, update.runName!]]));
        },
        true,
        'updateRunInfo',
      );
    } else if (sets.length > 0) {
      matched = (await this.db.run(guarded, values)).affectedRows > 0;
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
        await c.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?", [Date.now(), runId]);
      },
      true,
      'deleteRun',
    );
  }

  async restoreRun(runId: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        await this.runRow(c, runId);
        await c.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [runId]);
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
          if ((await insertOneMetric(this.d, c, runId, metrics[0]!)).affectedRows === 0) {
            // Nothing inserted: the run is missing or not active, or the point was logged before (a no-op).
            this.requireActiveRun(await this.runRow(c, runId));
          }
          await upsertLatestMetrics(this.d, c, runId, metrics);
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
        if (params.length > 0) await insertParams(this.d, c, runId, params);
        if (tags.length > 0) await upsertTags(this.d, c, runId, tags);
        if (metrics.length > 0) await insertMetrics(this.d, c, runId, metrics);
        if (modelMetrics.length > 0) await loggedModels.insertModelMetrics(c, runId, run.experiment_id, modelMetrics, this.d);
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
    const d = this.d;
    const values: unknown[] = [param.key, param.value];
    const sql = `INSERT INTO params (\`key\`, value, run_uuid) SELECT ${d.param('text')}, ${d.param('text')}, run_uuid FROM runs WHERE ${d.exactEquals('run_uuid', runId, values)} AND lifecycle_stage = 'active'`;
    let res: SqlResult;
    try {
      // Autocommitted, outside any transaction: a failure here leaves nothing to abort.
      res = await this.db.run(sql, values);
    } catch (error) {
      // An unavailable database stays unavailable for the general path too: say so now.
      if (LabbookError.is(error) && error.code === 'TEMPORARILY_UNAVAILABLE') throw error;
      // A taken key or any other failure: the general path meets the same condition and answers (or
      // reports) it as it always has.
      return false;
    }
    if (res.affectedRows === 0) return false;
    if (res.warnings > 0) {
      // A non-strict server stored something other than what was sent (say, characters the column's
      // charset lacks). The general path rejects that and rolls back; undo the row to match it.
      const undo: unknown[] = [];
      const where = d.exactEquals('run_uuid', runId, undo);
      undo.push(param.key);
      await this.db.run(`DELETE FROM params WHERE ${where} AND \`key\` = ?`, undo);
      return false;
    }
    return true;
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(
      async (c) => {
        this.requireActiveRun(await this.runRow(c, runId));
        const values: unknown[] = [runId];
        const res = await c.run(`DELETE FROM tags WHERE run_uuid = ? AND ${this.d.exactEquals('`key`', key, values)}`, values);
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
        await writeDatasetInputs(this.d, c, run.experiment_id, runId, datasets);
      },
      true,
      'logInputs',
    );
  }

  async getMetricHistory(runId: string, key: string, options: MetricHistoryOptions = {}): Promise<PagedList<Metric>> {
    await this.runRow(this.db, runId);
    const max = options.maxResults ?? 0;
    const offset = decodePageToken(options.pageToken);
    const match: unknown[] = [runId];
    // The primary key (key, timestamp, step, run_uuid, value, is_nan) serves this order without a sort.
    const base = `SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND ${this.d.exactEqualsBesideRun('`key`', key, match)} ORDER BY timestamp, step, value`;
    // Arrays rather than objects per row: a million-point history is read noticeably faster.
    const read = async (sql: string, values: unknown[]) => {
      const rows = await this.db.query<[unknown, unknown, unknown, unknown]>(sql, values, { arrays: true });
      return rows.map(
        ([value, timestamp, step, isNan]): Metric => ({
          key,
          value: Number(isNan) === 1 ? Number.NaN : typeof value === 'number' ? value : Number(value),
          timestamp: typeof timestamp === 'number' ? timestamp : Number(timestamp),
          step: typeof step === 'number' ? step : Number(step),
        }),
      );
    };
    if (max <= 0) {
      const items = await read(offset > 0 ? `${base} ${this.d.offsetOnly}` : base, offset > 0 ? [...match, offset] : match);
      return { items };
    }
    const rows = await read(`${base} LIMIT ? OFFSET ?`, [...match, max + 1, offset]);
    const items = rows.slice(0, max);
    return rows.length > max ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
  }

  /** Answered natively: one SELECT for the page (see compileRunSearch). */
  async searchRuns(query: RunsQuery): Promise<SearchAnswer<Run>> {
    const { offset, maxResults: limit } = query.page;
    const experimentIds = query.experimentIds.map(experimentIdNumber).filter((n): n is number => n !== undefined);
    const { sql, values } = compileRunSearch(this.d, {
      experimentIds,
      lifecycleStages: viewTypeStages(query.viewType),
      filter: query.filter,
      orderBy: query.orderBy,
      limit,
      offset,
    });
    const rows = await this.db.query<RunRow>(sql, values);
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
    const { sql, values } = compileLoggedModelSearch(this.d, {
      experimentIds: query.experimentIds.map(experimentIdNumber).filter((n): n is number => n !== undefined),
      filter: query.filter,
      datasets: query.datasets,
      order: query.order,
      limit,
      offset,
    });
    const rows = await this.db.query<loggedModels.LoggedModelRow>(sql, values);
    const items = await loggedModels.loadLoggedModels(this.db, rows);
    // SQL store semantics: a token whenever the page is full.
    return {
      kind: 'page',
      page: items.length === limit && limit > 0 ? { items, nextPageToken: encodePageToken(offset + limit) } : { items },
    };
  }

  async importLoggedModel(model: LoggedModel): Promise<ImportOutcome> {
    return loggedModels.importLoggedModel(this.db, model);
  }

  // ---- imports (labbook migrate) -----------------------------------------------------------

  /** Creates the experiment with its id, or finds it there already (see `run-import.ts`). */
  async importExperiment(experiment: Experiment): Promise<ImportOutcome> {
    const outcome = await importExperiment(this.db, experiment);
    // The row now holds this location; a cached one for the id (from an experiment since removed) is stale.
    this.artifactLocations.delete(Number(experiment.experimentId));
    return outcome;
  }

  /** Writes one run whole with its id and every metric point, or finds it there already (see `run-import.ts`). */
  async importRun(run: ImportedRun): Promise<ImportOutcome> {
    return importRun(this.db, run);
  }

  /** MLflow's schema keeps experiment ids in an INTEGER column: 0 to 2^31 - 1 (the file store's 18-digit ids do not fit). */
  acceptsExperimentId(experimentId: string): boolean {
    return experimentIdNumber(experimentId) !== undefined;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
