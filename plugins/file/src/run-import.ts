import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Experiment,
  type ImportOutcome,
  type ImportedRun,
  LabbookError,
  type LoggedModel,
  RUN_STATUS_NUMBER,
  type Run,
  alreadyExists,
} from '@labbook/core/plugin';
import { resolveArtifactLocation } from './artifact-location.js';
import { type FileToWrite, tempPathFor, writeFileAtomic, writeFilesSynced } from './atomic-write.js';
import { DEFAULT_EXPERIMENT_ID, META_FILE, MODELS_FOLDER, TRASH_FOLDER } from './constants.js';
import { ioError } from './errors.js';
import { allExperiments, experimentNotFound, findExperimentDir } from './experiment-lookup.js';
import { formatModelMetricLine, statusNumber } from './logged-model-files.js';
import { locateModel, getLoggedModel } from './logged-model-folders.js';
import { withMetaLock } from './meta-lock.js';
import { formatMetricLine } from './metric-file.js';
import { isRenameConflict } from './publish-folder.js';
import { locateRun } from './run-lookup.js';
import type { StoreContext } from './store-context.js';
import { containedPath } from './uri.js';
import { dumpYaml } from './yaml-io.js';

const STORE = 'the file store';

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** A folder's files, built under a temp name beside `target` and renamed into place whole. */
async function publishTree(target: string, files: readonly FileToWrite[], folders: readonly string[], fsync: boolean): Promise<void> {
  const tmp = tempPathFor(target);
  await fsp.mkdir(tmp, { recursive: true });
  try {
    for (const sub of folders) await fsp.mkdir(join(tmp, sub), { recursive: true });
    const placed = files.map((f) => ({ path: join(tmp, f.path), data: f.data }));
    for (const f of placed) await fsp.mkdir(resolve(f.path, '..'), { recursive: true });
    await writeFilesSynced(placed, fsync);
    // rename(2) replaces an empty target folder silently, so refuse an existing target first.
    if (existsSync(target)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fsp.rename(tmp, target);
  } catch (error) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** Relative path of a key file under a folder, checked to stay inside it (keys with `/` nest). */
function keyFile(folder: string, key: string): string {
  // containedPath refuses `..` and absolute keys; the result is made relative again for the temp tree.
  const base = resolve('/', folder);
  return containedPath(base, key).slice(1);
}

/**
 * Creates an experiment with its id, as `labbook migrate` copies it. An experiment already there with
 * the same id and name is left alone (a rerun, or the default experiment every store has); another
 * one under that id or that name is refused. A deleted experiment goes to `.trash/`. An empty
 * artifact location takes the store's default, `<artifact root>/<experiment id>`.
 */
export async function importExperiment(ctx: StoreContext, experiment: Experiment): Promise<ImportOutcome> {
  await ctx.init();
  const id = experiment.experimentId;
  return withMetaLock(ctx.root, async () => {
    const found = findExperimentDir(ctx, id);
    if (found) {
      const there = ctx.reader.readExperimentMeta(found.dir, id)?.experiment;
      if (there && there.name === experiment.name) return 'exists';
      throw alreadyExists(
        `Cannot import experiment ${id} ('${experiment.name}') into ${STORE} at ${ctx.root}: experiment ${id} there is '${there?.name ?? '?'}'. Migrate into an empty store, or delete that experiment from it first.`,
      );
    }
    const clash = allExperiments(ctx).find((e) => e.name === experiment.name);
    if (clash) {
      throw alreadyExists(
        `Cannot import experiment ${id} ('${experiment.name}') into ${STORE} at ${ctx.root}: the name is taken by experiment ${clash.experimentId}. Rename one of them, or migrate into an empty store.`,
      );
    }
    const now = Date.now();
    const meta = {
      artifact_location: experiment.artifactLocation
        ? resolveArtifactLocation(experiment.artifactLocation)
        : `${ctx.artifactRootUri}/${id}`,
      creation_time: experiment.creationTime ?? now,
      experiment_id: id,
      last_update_time: experiment.lastUpdateTime ?? experiment.creationTime ?? now,
      lifecycle_stage: experiment.lifecycleStage,
      name: experiment.name,
    };
    const files: FileToWrite[] = [{ path: META_FILE, data: dumpYaml(meta) }];
    const byKey = new Map<string, string>();
    for (const t of experiment.tags) byKey.set(t.key, t.value);
    for (const [key, value] of byKey) files.push({ path: keyFile('tags', key), data: value });
    const deleted = experiment.lifecycleStage === 'deleted' && id !== DEFAULT_EXPERIMENT_ID;
    const target = deleted ? containedPath(ctx.root, TRASH_FOLDER, id) : containedPath(ctx.root, id);
    try {
      await publishTree(target, files, ['tags'], ctx.fsync);
    } catch (error) {
      if (isRenameConflict(error)) return 'exists';
      throw ioError(`importing experiment ${id}`, error);
    }
    return 'created';
  });
}

function sameRun(there: Run, run: Run): boolean {
  return there.info.experimentId === run.info.experimentId && (there.info.startTime ?? 0) === (run.info.startTime ?? 0);
}

function runConflict(ctx: StoreContext, run: Run, there: Run): LabbookError {
  return alreadyExists(
    `Cannot import run ${run.info.runId} into ${STORE} at ${ctx.root}: a different run with that id is there (experiment ${there.info.experimentId}, started ${there.info.startTime ?? '?'}). Migrate into an empty store, or delete that run from it first.`,
  );
}

/** The run already in the store under this id, or undefined. */
function existingRun(ctx: StoreContext, runId: string): Run | undefined {
  try {
    const loc = locateRun(ctx, runId);
    return ctx.reader.readRun(loc.runDir, loc.expDir) ?? undefined;
  } catch (error) {
    if (LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}

/**
 * Writes one run whole, as MLflow's FileStore lays it out (meta.yaml, params/, tags/, metrics/ with
 * `timestamp value step` lines, inputs/, outputs/), built under a temp name in its experiment's folder
 * and renamed into place, so an interrupted import leaves no half run. Datasets go to the experiment's
 * `datasets/` (shared by runs, written once). Points with a `modelId` are written to the run's files
 * only: a logged model's own metric files come with {@link importLoggedModel}, which migrate calls
 * after the runs, so no point is written to a model twice.
 */
export async function importRun(ctx: StoreContext, imported: ImportedRun): Promise<ImportOutcome> {
  await ctx.init();
  const { run, metrics } = imported;
  const runId = run.info.runId;
  const there = existingRun(ctx, runId);
  if (there) {
    if (sameRun(there, run)) return 'exists';
    throw runConflict(ctx, run, there);
  }
  const experimentId = run.info.experimentId;
  const found = findExperimentDir(ctx, experimentId);
  const expMeta = found && ctx.reader.readExperimentMeta(found.dir, experimentId);
  if (!found || !expMeta) throw experimentNotFound(experimentId);
  const artifactUri = run.info.artifactUri || `${expMeta.experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`;
  const deleted = run.info.lifecycleStage === 'deleted';
  const raw = {
    artifact_uri: artifactUri,
    deleted_time: deleted ? (run.info.endTime ?? run.info.startTime ?? Date.now()) : null,
    end_time: run.info.endTime ?? null,
    entry_point_name: '',
    experiment_id: experimentId,
    lifecycle_stage: deleted ? 'deleted' : 'active',
    run_id: runId,
    run_name: run.info.runName,
    run_uuid: runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: run.info.startTime ?? null,
    status: RUN_STATUS_NUMBER[run.info.status] ?? RUN_STATUS_NUMBER.FINISHED,
    tags: [],
    user_id: run.info.userId,
  };
  const files: FileToWrite[] = [{ path: META_FILE, data: dumpYaml(raw) }];
  for (const p of run.data.params) files.push({ path: keyFile('params', p.key), data: p.value });
  const tags = new Map<string, string>();
  for (const t of run.data.tags) tags.set(t.key, t.value);
  for (const [key, value] of tags) files.push({ path: keyFile('tags', key), data: value });
  const lines = new Map<string, string>();
  for (const m of metrics) lines.set(m.key, (lines.get(m.key) ?? '') + formatMetricLine(m));
  for (const [key, text] of lines) files.push({ path: keyFile('metrics', key), data: text });
  for (const input of run.inputs.datasetInputs) {
    const ds = input.dataset;
    const datasetId = md5(ds.name + ds.digest);
    await writeDataset(ctx, found.dir, datasetId, input.dataset);
    const inputTags: Record<string, string> = {};
    for (const t of input.tags) inputTags[t.key] = t.value;
    files.push({
      path: join('inputs', md5(datasetId + runId), META_FILE),
      data: dumpYaml({ destination_id: runId, destination_type: 'RUN', source_id: datasetId, source_type: 'DATASET', tags: inputTags }),
    });
  }
  for (const output of run.outputs?.modelOutputs ?? []) {
    files.push({
      path: join('outputs', keyFile('', output.modelId), META_FILE),
      data: dumpYaml({
        destination_id: output.modelId,
        destination_type: 'MODEL_OUTPUT',
        source_id: runId,
        source_type: 'RUN_OUTPUT',
        step: output.step,
        tags: {},
      }),
    });
  }
  const runDir = containedPath(found.dir, runId);
  try {
    await publishTree(runDir, files, ['metrics', 'params', 'tags', 'artifacts'], ctx.fsync);
  } catch (error) {
    if (!isRenameConflict(error)) throw ioError(`importing run ${runId}`, error);
    // Another importer won the race: the same run is a rerun, another one a conflict.
    const winner = existingRun(ctx, runId);
    if (winner && sameRun(winner, run)) return 'exists';
    if (winner) throw runConflict(ctx, run, winner);
    throw ioError(`importing run ${runId}`, error);
  }
  ctx.runLocations.set(runId, { experimentId, expDir: found.dir, runDir });
  return 'created';
}

async function writeDataset(
  ctx: StoreContext,
  expDir: string,
  datasetId: string,
  ds: ImportedRun['run']['inputs']['datasetInputs'][number]['dataset'],
) {
  const dsDir = containedPath(expDir, 'datasets', datasetId);
  if (existsSync(join(dsDir, META_FILE))) return;
  await fsp.mkdir(dsDir, { recursive: true });
  await writeFileAtomic(
    join(dsDir, META_FILE),
    dumpYaml({
      digest: ds.digest,
      name: ds.name,
      profile: ds.profile ?? null,
      schema: ds.schema ?? null,
      source: ds.source,
      source_type: ds.sourceType,
    }),
    ctx.fsync,
  );
}

/**
 * Creates a logged model with its id under `<exp>/models/<model_id>/`, whole (meta.yaml, params,
 * tags, metrics with `timestamp value step run_id` lines). A model already there with the same id,
 * experiment and name is left alone; another one is refused. An empty artifact URI takes the
 * default, `<experiment location>/models/<model_id>/artifacts`.
 */
export async function importLoggedModel(ctx: StoreContext, model: LoggedModel): Promise<ImportOutcome> {
  await ctx.init();
  const { info } = model;
  const modelId = info.modelId;
  let thereDir: string | undefined;
  try {
    thereDir = locateModel(ctx, modelId).modelDir;
  } catch (error) {
    if (!(LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
  }
  if (thereDir) {
    const there = await getLoggedModel(ctx, modelId).catch(() => undefined);
    if (there && there.info.experimentId === info.experimentId && there.info.name === info.name) return 'exists';
    throw alreadyExists(
      `Cannot import logged model ${modelId} into ${STORE} at ${ctx.root}: a different model with that id is there. Migrate into an empty store, or delete that model from it first.`,
    );
  }
  const found = findExperimentDir(ctx, info.experimentId);
  const expMeta = found && ctx.reader.readExperimentMeta(found.dir, info.experimentId);
  if (!found || !expMeta) throw experimentNotFound(info.experimentId);
  const artifactLocation =
    info.artifactUri || `${expMeta.experiment.artifactLocation.replace(/\/+$/, '')}/${MODELS_FOLDER}/${modelId}/artifacts`;
  const raw: Record<string, unknown> = {
    artifact_location: artifactLocation,
    creation_timestamp: info.creationTimestampMs,
    experiment_id: info.experimentId,
    last_updated_timestamp: info.lastUpdatedTimestampMs,
    lifecycle_stage: 'active',
    model_id: modelId,
    model_type: info.modelType ?? null,
    name: info.name,
    source_run_id: info.sourceRunId ?? null,
    status: statusNumber(info.status),
    status_message: info.statusMessage ?? null,
  };
  const files: FileToWrite[] = [{ path: META_FILE, data: dumpYaml(raw) }];
  for (const p of model.data.params) files.push({ path: keyFile('params', p.key), data: p.value });
  const tags = new Map<string, string>();
  for (const t of info.tags) tags.set(t.key, t.value);
  for (const [key, value] of tags) files.push({ path: keyFile('tags', key), data: value });
  const lines = new Map<string, string>();
  for (const m of model.data.metrics) {
    lines.set(m.key, (lines.get(m.key) ?? '') + formatModelMetricLine(m, m.runId ?? info.sourceRunId ?? ''));
  }
  for (const [key, text] of lines) files.push({ path: keyFile('metrics', key), data: text });
  const modelsDir = join(found.dir, MODELS_FOLDER);
  const modelDir = containedPath(modelsDir, modelId);
  try {
    await fsp.mkdir(modelsDir, { recursive: true });
    await publishTree(modelDir, files, ['metrics', 'params', 'tags'], ctx.fsync);
  } catch (error) {
    if (isRenameConflict(error)) return 'exists';
    throw ioError(`importing logged model ${modelId}`, error);
  }
  return 'created';
}
