/**
 * Experiments and runs copied with their ids, for `labbook migrate` (ImportMethods). Every import is
 * one transaction that reads before it writes: an entity already there under the id is left alone
 * when it is the same one and refused otherwise, so a rerun of a migration is harmless and nothing is
 * ever overwritten. Rows are written as the ordinary calls write them (logBatch, logInputs), so an
 * imported run reads back like one that was logged.
 */
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  type Experiment,
  type ImportedRun,
  type ImportOutcome,
  LabbookError,
  invalidParameter,
  notFound,
} from '@labbook/core/plugin';
import { rowsOf, type SqlDatabase } from './database.js';
import { chunksFor, placeholders, type SqlDialect } from './dialect.js';
import type { SqlExecutor } from './driver.js';
import * as loggedModels from './logged-models.js';
import { num } from './rows.js';
import {
  experimentIdNumber,
  insertMetrics,
  insertParams,
  insertRows,
  lastTagValues,
  RUN_COLUMNS,
  writeDatasetInputs,
  writeExperimentTags,
  writeTags,
} from './run-writes.js';
import { INPUTS } from './tables.js';

const EMPTY_TARGET = 'Migrate into an empty store, or remove it from the target first';

function idOf(experimentId: string, field: string): number {
  const id = experimentIdNumber(experimentId);
  if (id === undefined) {
    throw invalidParameter(
      `Invalid value '${experimentId}' for parameter '${field}': a SQL store keeps experiment ids as whole numbers from 0 to 2147483647. Import into a store that keeps such ids, or let migrate give new ids.`,
      { field },
    );
  }
  return id;
}

/** What decides an experiment import: the rows holding its id or its name. */
async function experimentDecision(
  db: SqlDatabase,
  c: SqlExecutor | SqlDatabase,
  e: Experiment,
  id: number,
): Promise<ImportOutcome | undefined> {
  const byId = await rowsOf<{ name: string }>(c, 'SELECT name FROM experiments WHERE experiment_id = ?', [id]);
  const store = `the ${db.driver.label} store`;
  if (byId.length > 0) {
    if (byId[0]!.name === e.name) return 'exists';
    throw alreadyExists(
      `Cannot import experiment ${id} ('${e.name}') into ${store}: experiment ${id} there is '${byId[0]!.name}', so the target already holds different data. ${EMPTY_TARGET}.`,
    );
  }
  // As the unique key compares names (a folding collation makes 'Foo' and 'foo' one name).
  const byName = await rowsOf<{ experiment_id: unknown; name: string }>(c, 'SELECT experiment_id, name FROM experiments WHERE name = ?', [
    e.name,
  ]);
  if (byName.length > 0) {
    throw alreadyExists(
      `Cannot import experiment ${id} ('${e.name}') into ${store}: the name is taken by experiment ${String(byName[0]!.experiment_id)} ('${byName[0]!.name}'), so the target already holds different data. ${EMPTY_TARGET}.`,
    );
  }
  return undefined;
}

/**
 * Creates an experiment with its id, name, artifact location (`''` → `<artifact root>/<id>`),
 * lifecycle stage, times and tags. The same id with the same name is 'exists' (a rerun, or the
 * Default experiment every store has); another experiment under the id or the name is
 * RESOURCE_ALREADY_EXISTS, and nothing is written.
 */
export async function importExperiment(db: SqlDatabase, e: Experiment): Promise<ImportOutcome> {
  const id = idOf(e.experimentId, 'experiment.experiment_id');
  const d = db.dialect;
  try {
    // Idempotent: a retry after a lost commit reads the row and answers 'exists'.
    return await db.transaction(
      async (c) => {
        const decided = await experimentDecision(db, c, e, id);
        if (decided !== undefined) return decided;
        const now = Date.now();
        const created = e.creationTime ?? now;
        const res = await c.run(
          'INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)',
          [id, e.name, e.artifactLocation || `${db.artifactRoot}/${id}`, e.lifecycleStage, created, e.lastUpdateTime ?? created],
        );
        // MySQL generates an id for an explicit 0 (unless its session says otherwise): then the id was not kept.
        if (res.insertId !== undefined && res.insertId !== id) {
          throw new LabbookError(
            'INTERNAL_ERROR',
            `Cannot import experiment ${id} ('${e.name}') into the ${db.driver.label} store: the database gave it id ${res.insertId} instead. The target lacks its Default experiment (id 0); recreate the target database so that labbook creates its schema, then migrate again.`,
          );
        }
        for (const sql of d.afterExplicitIds('experiments', 'experiment_id')) await c.run(sql);
        await writeExperimentTags(d, c, id, e.tags ?? []);
        return 'created';
      },
      true,
      'importExperiment',
    );
  } catch (error) {
    // Another importer wrote the id or the name between the read and the insert: decide again.
    if (!db.isDuplicateKey(error)) throw error;
    const decided = await experimentDecision(db, db, e, id);
    if (decided !== undefined) return decided;
    throw error;
  }
}

/** What decides a run import: the run already under the id, if any. */
async function runDecision(
  db: SqlDatabase,
  c: SqlExecutor | SqlDatabase,
  imported: ImportedRun,
  experimentId: number,
): Promise<ImportOutcome | undefined> {
  const info = imported.run.info;
  const there = await rowsOf<{ experiment_id: unknown; start_time: unknown }>(
    c,
    'SELECT experiment_id, start_time FROM runs WHERE run_uuid = ?',
    [info.runId],
  );
  if (there.length === 0) return undefined;
  const row = there[0]!;
  if (num(row.experiment_id) === experimentId && (num(row.start_time) ?? 0) === (info.startTime ?? 0)) return 'exists';
  throw alreadyExists(
    `Cannot import run ${info.runId} into the ${db.driver.label} store: a different run with that id is there (experiment ${String(row.experiment_id)}, started ${String(num(row.start_time) ?? '?')}), so the target already holds different data. ${EMPTY_TARGET}.`,
  );
}

/** The ids among `ids` that have a `logged_models` row in the target. */
async function existingModels(d: SqlDialect, c: SqlExecutor, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const slice of chunksFor(d, ids, 1)) {
    const rows = await rowsOf<{ model_id: string }>(
      c,
      `SELECT model_id FROM logged_models WHERE model_id IN (${placeholders(slice.length)})`,
      slice,
    );
    for (const r of rows) found.add(String(r.model_id));
  }
  return found;
}

/**
 * Writes one run whole, in one transaction: the run row with every field kept (artifact URI `''` →
 * `<experiment location>/<run id>/artifacts`), its params, tags, dataset inputs and model outputs,
 * every metric point (exact repeats ignored) and `latest_metrics` derived from them by logBatch's
 * rule. Points with a model id also go to that model's metrics when the model is in the target
 * (migrate imports models after runs, and their own points with them). The experiment must exist, in
 * any lifecycle stage. A run already under the id is 'exists' when it is the same one (same
 * experiment and start time), RESOURCE_ALREADY_EXISTS otherwise.
 */
export async function importRun(db: SqlDatabase, imported: ImportedRun): Promise<ImportOutcome> {
  const { run, metrics } = imported;
  const info = run.info;
  const runId = info.runId;
  const experimentId = idOf(info.experimentId, 'run.info.experiment_id');
  const d = db.dialect;
  try {
    // Idempotent: a retry after a lost commit finds the run and answers 'exists'.
    return await db.transaction(
      async (c) => {
        const decided = await runDecision(db, c, imported, experimentId);
        if (decided !== undefined) return decided;
        const exp = await rowsOf<{ artifact_location: string | null }>(
          c,
          'SELECT artifact_location FROM experiments WHERE experiment_id = ?',
          [experimentId],
        );
        if (exp.length === 0) {
          throw notFound(
            `No Experiment with id=${info.experimentId} exists: import the experiment before its runs (labbook migrate does so).`,
          );
        }
        const artifactUri = info.artifactUri || `${(exp[0]!.artifact_location ?? '').replace(/\/+$/, '')}/${runId}/artifacts`;
        const deleted = info.lifecycleStage === 'deleted';
        // A Run does not carry its deletion time: the end (or start) stands in, as the file store's import does.
        const deletedTime = deleted ? (info.endTime ?? info.startTime ?? Date.now()) : null;
        const values: unknown[] = [];
        const body = d.values(
          [
            [
              runId,
              info.runName,
              'UNKNOWN',
              '',
              '',
              info.userId,
              info.status,
              info.startTime ?? null,
              info.endTime ?? null,
              '',
              deleted ? 'deleted' : 'active',
              artifactUri,
              experimentId,
              deletedTime,
            ],
          ],
          values,
        );
        await c.run(`INSERT INTO runs (${RUN_COLUMNS}) ${body}`, values);
        if (run.data.params.length > 0) await insertParams(d, c, runId, run.data.params);
        const tags = lastTagValues(run.data.tags);
        // runs.name was written from the run's name; the tags are copied as they are.
        if (tags.size > 0) await writeTags(d, c, runId, tags);
        await writeDatasetInputs(d, c, experimentId, runId, run.inputs.datasetInputs);
        const outputs = run.outputs?.modelOutputs ?? [];
        // The models may come later (migrate imports them after runs), so outputs are not checked against them.
        await insertRows(
          d,
          c,
          outputs.map((o) => [randomUUID().replace(/-/g, ''), 'RUN_OUTPUT', runId, 'MODEL_OUTPUT', o.modelId, o.step]),
          (b) => d.insertIgnore(INPUTS, b),
        );
        if (metrics.length > 0) {
          await insertMetrics(d, c, runId, metrics);
          const modelMetrics = metrics.filter((m) => m.modelId !== undefined && m.modelId !== '');
          if (modelMetrics.length > 0) {
            const present = await existingModels(d, c, [...new Set(modelMetrics.map((m) => m.modelId!))]);
            const kept = modelMetrics.filter((m) => present.has(m.modelId!));
            if (kept.length > 0) await loggedModels.insertModelMetrics(c, runId, experimentId, kept, d);
          }
        }
        return 'created';
      },
      true,
      'importRun',
    );
  } catch (error) {
    // Another importer wrote the run between the read and the insert: decide again.
    if (!db.isDuplicateKey(error)) throw error;
    const decided = await runDecision(db, db, imported, experimentId);
    if (decided !== undefined) return decided;
    throw error;
  }
}
