import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type CreateRunOptions,
  type DatasetInput,
  LabbookError,
  type LogBatchInput,
  type Metric,
  type MetricHistoryColumns,
  RUN_STATUS_NUMBER,
  type Run,
  type RunInfo,
  type UpdateRunOptions,
  generateRunId,
  generateRunName,
  invalidParameter,
  notFound,
} from '@labbook/core/plugin';
import { type FileToWrite, StagedFiles, writeFileAtomic } from './atomic-write.js';
import { META_FILE, MSG } from './constants.js';
import { ioError, isMissing } from './errors.js';
import { experimentNotFound, findExperimentDir } from './experiment-lookup.js';
import { containedPath } from './uri.js';
import { publishFolder } from './publish-folder.js';
import { activeRun, cachedRunLocation, locateRun, runAt } from './run-lookup.js';
import { checkActive, writeRunMeta } from './run-meta.js';
import { appendModelMetrics, modelMetricLines } from './logged-model-metrics.js';
import { appendMetrics } from './run-metrics.js';
import { readRunOutputs } from './run-outputs.js';
import { type RunReader, runMetaFromRaw } from './run-reader.js';
import { type RunLocation, type StoreContext, ensureDir } from './store-context.js';
import { dumpYaml } from './yaml-io.js';

/** The folders of a new run, created with it as MLflow does. */
const RUN_FOLDERS = ['metrics', 'params', 'tags', 'artifacts'] as const;

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Creates a run folder, published whole with its meta.yaml and tags. */
export async function createRun(ctx: StoreContext, options: CreateRunOptions): Promise<Run> {
  await ctx.init();
  const found = findExperimentDir(ctx, options.experimentId);
  if (!found) throw experimentNotFound(options.experimentId);
  if (found.deleted) {
    throw new LabbookError('INVALID_STATE', `Could not create run under non-active experiment with ID ${options.experimentId}.`);
  }
  // Only the artifact location is needed: the experiment's tags are not read.
  let expMeta: ReturnType<RunReader['readExperimentMeta']>;
  try {
    expMeta = ctx.reader.readExperimentMeta(found.dir, options.experimentId);
  } catch (error) {
    ctx.reader.warnOnce(`${MSG} skipping experiment folder ${found.dir}: ${(error as Error).message}`);
  }
  if (!expMeta) throw experimentNotFound(options.experimentId);
  const tags = [...(options.tags ?? [])];
  const nameTag = tags.find((t) => t.key === 'mlflow.runName');
  if (options.runName !== undefined && options.runName !== '' && nameTag && nameTag.value !== options.runName) {
    throw invalidParameter(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${nameTag.value}').`,
    );
  }
  const runName = options.runName || nameTag?.value || generateRunName();
  if (!nameTag) tags.push({ key: 'mlflow.runName', value: runName });
  const runId = generateRunId();
  const artifactUri = `${expMeta.experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`;
  const raw = {
    artifact_uri: artifactUri,
    deleted_time: null,
    end_time: null,
    entry_point_name: '',
    experiment_id: options.experimentId,
    lifecycle_stage: 'active',
    run_id: runId,
    run_name: runName,
    // MLflow 2.x's RunInfo requires run_uuid (its reader fails on the whole experiment without
    // it); MLflow 3 ignores it.
    run_uuid: runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: options.startTime ?? Date.now(),
    status: RUN_STATUS_NUMBER.RUNNING,
    tags: [],
    user_id: options.userId ?? 'unknown',
  };
  const runDir = join(found.dir, runId);
  const text = dumpYaml(raw);
  try {
    await publishFolder(runDir, text, RUN_FOLDERS, tags, ctx.fsync);
  } catch (error) {
    throw ioError(`creating run ${runId}`, error);
  }
  ctx.runLocations.set(runId, { experimentId: options.experimentId, expDir: found.dir, runDir });
  for (const sub of RUN_FOLDERS) ctx.knownDirs.add(join(runDir, sub));
  // The run is what was just written, and nobody else knows its id yet: no need to read it back.
  const byKey = new Map<string, string>();
  for (const tag of tags) byKey.set(tag.key, tag.value);
  const meta = runMetaFromRaw(raw);
  ctx.reader.noteRunMeta(runDir, text, meta);
  return {
    info: { ...meta.info },
    data: { metrics: [], params: [], tags: [...byKey].map(([key, value]) => ({ key, value })) },
    inputs: { datasetInputs: [] },
  };
}

/** A run in full, active or deleted. */
export async function getRun(ctx: StoreContext, runId: string): Promise<Run> {
  await ctx.init();
  const loc = locateRun(ctx, runId);
  const run = ctx.reader.readRun(loc.runDir, loc.expDir);
  if (!run) throw notFound(`Run '${runId}' not found`);
  const modelOutputs = readRunOutputs(ctx, loc.runDir);
  if (modelOutputs.length > 0) run.outputs = { modelOutputs };
  return run;
}

/** Changes an active run's status, end time or name. */
export async function updateRunInfo(ctx: StoreContext, runId: string, update: UpdateRunOptions): Promise<RunInfo> {
  await ctx.init();
  let loc = cachedRunLocation(ctx, runId);
  const change: Record<string, unknown> = {};
  if (update.status !== undefined) change.status = RUN_STATUS_NUMBER[update.status];
  if (update.endTime !== undefined) change.end_time = update.endTime;
  const newName = update.runName !== undefined && update.runName !== '' ? update.runName : undefined;
  if (newName !== undefined) change.run_name = newName;
  const write = (runDir: string) =>
    writeRunMeta(
      ctx,
      runDir,
      change,
      // The tag is synced together with meta.yaml: one wait for both.
      newName === undefined ? [] : [{ path: join(runDir, 'tags', 'mlflow.runName'), data: newName }],
      // The active check reads the meta.yaml that the lock re-reads anyway.
      (fresh) => checkActive(runId, fresh),
    );
  const written = await write(loc.runDir).catch((error) => {
    if (!isMissing(error)) throw error;
    // The cached folder moved (its experiment was deleted or restored): find it and try again.
    ctx.runLocations.delete(runId);
    loc = locateRun(ctx, runId);
    return write(loc.runDir);
  });
  // A copy: the meta is cached.
  if (written.hasRunName) return { ...written.info };
  // No run_name in the file (older MLflow): the tag names the run, as getRun reports it.
  const name = ctx.reader.readValue(join(loc.runDir, 'tags', 'mlflow.runName'));
  return name === undefined ? written.info : { ...written.info, runName: name };
}

/** Marks a run deleted (its folder stays where it is). */
export async function deleteRun(ctx: StoreContext, runId: string): Promise<void> {
  await ctx.init();
  const { loc } = runAt(ctx, runId);
  await writeRunMeta(ctx, loc.runDir, { lifecycle_stage: 'deleted', deleted_time: Date.now() });
}

/** Marks a deleted run active again. */
export async function restoreRun(ctx: StoreContext, runId: string): Promise<void> {
  await ctx.init();
  const { loc } = runAt(ctx, runId);
  await writeRunMeta(ctx, loc.runDir, { lifecycle_stage: 'active', deleted_time: null });
}

/**
 * The points to append to the run's own files. A point sent again with a `modelId` (MLflow 3's
 * `log_model` re-sends the run's metrics at the model's step to link them) that the run already
 * holds, same key, value, timestamp and step, is not written twice: it only goes to the model. SQL
 * stores get the same result from their primary key. Only batches with model ids read history.
 */
function withoutRecordedModelPoints(ctx: StoreContext, loc: RunLocation, metrics: Metric[]): Metric[] {
  if (!metrics.some((m) => m.modelId !== undefined)) return metrics;
  const recorded = new Map<string, MetricHistoryColumns | undefined>();
  const columnsOf = (key: string) => {
    if (!recorded.has(key)) {
      try {
        recorded.set(key, ctx.reader.readMetricColumns(containedPath(join(loc.runDir, 'metrics'), key)));
      } catch {
        recorded.set(key, undefined);
      }
    }
    return recorded.get(key);
  };
  return metrics.filter((m) => {
    if (m.modelId === undefined) return true;
    const c = columnsOf(m.key);
    if (!c) return true;
    for (let i = 0; i < c.length; i++) {
      const same =
        c.step[i] === m.step &&
        c.timestamp[i] === m.timestamp &&
        (c.value[i] === m.value || (Number.isNaN(c.value[i]) && Number.isNaN(m.value)));
      if (same) return false;
    }
    return true;
  });
}

/** Logs params, metrics and tags to an active run, in that order. */
export async function logBatch(ctx: StoreContext, runId: string, batch: LogBatchInput): Promise<void> {
  await ctx.init();
  const { loc, meta } = activeRun(ctx, runId);
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  // Points carrying a model id also go to the model's metric files (the run's files are unchanged,
  // as in MLflow); the models are looked up before anything is written.
  const modelLines = batch.metrics && batch.metrics.length > 0 ? modelMetricLines(ctx, runId, batch.metrics) : undefined;
  // Params and tags go to temp files that are synced together, one wait for the disk however many
  // there are; each is then published in the batch's order (params first, then metrics, then tags,
  // as MLflow does), so a param conflict still stops the batch before its metrics and tags.
  let staged: StagedFiles | undefined;
  if (params.length + tags.length > 0) {
    const files: FileToWrite[] = [];
    for (const p of params) files.push({ path: containedPath(join(loc.runDir, 'params'), p.key), data: p.value });
    for (const t of tags) files.push({ path: containedPath(join(loc.runDir, 'tags'), t.key), data: t.value });
    for (const f of files) await ensureDir(ctx, resolve(f.path, '..'));
    try {
      staged = await StagedFiles.stage(files, ctx.fsync);
    } catch (error) {
      throw ioError(`logging to run ${runId}`, error);
    }
  }
  try {
    for (let i = 0; i < params.length; i++) await publishParam(runId, staged!, i, params[i]!, loc);
    const runMetrics = batch.metrics && batch.metrics.length > 0 ? withoutRecordedModelPoints(ctx, loc, batch.metrics) : [];
    if (runMetrics.length > 0) await appendMetrics(ctx, loc, runMetrics);
    if (modelLines && modelLines.size > 0) await appendModelMetrics(ctx, modelLines);
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i]!;
      await staged!.replace(params.length + i);
      if (tag.key === 'mlflow.runName' && tag.value !== meta.info.runName) await writeRunMeta(ctx, loc.runDir, { run_name: tag.value });
    }
  } finally {
    await staged?.discard();
  }
}

/**
 * Creates a param from its staged temp with link(2): of two writers racing, exactly one wins and the
 * other compares values, so a param can never be overwritten or seen half-written.
 */
async function publishParam(
  runId: string,
  staged: StagedFiles,
  i: number,
  param: { key: string; value: string },
  loc: RunLocation,
): Promise<void> {
  if (await staged.create(i)) return;
  const { key, value } = param;
  const existing = await fsp.readFile(containedPath(join(loc.runDir, 'params'), key), 'utf8').catch((error) => {
    throw ioError(`reading param ${key}`, error);
  });
  if (existing !== value) {
    throw invalidParameter(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
    );
  }
}

/** Deletes a tag of an active run. */
export async function deleteTag(ctx: StoreContext, runId: string, key: string): Promise<void> {
  await ctx.init();
  const { loc } = activeRun(ctx, runId);
  const path = containedPath(join(loc.runDir, 'tags'), key);
  try {
    await fsp.unlink(path);
  } catch (error) {
    if (isMissing(error)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    throw ioError(`deleting tag ${key}`, error);
  }
}

/** Records dataset inputs of an active run (datasets under the experiment, links under the run). */
export async function logInputs(ctx: StoreContext, runId: string, datasets: DatasetInput[]): Promise<void> {
  await ctx.init();
  const { loc } = activeRun(ctx, runId);
  for (const input of datasets) {
    const ds = input.dataset;
    const datasetId = md5(ds.name + ds.digest);
    const dsDir = containedPath(loc.expDir, 'datasets', datasetId);
    if (!existsSync(join(dsDir, META_FILE))) {
      await ensureDir(ctx, dsDir);
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
    const inputId = md5(datasetId + runId);
    const inputDir = containedPath(loc.runDir, 'inputs', inputId);
    if (existsSync(join(inputDir, META_FILE))) continue;
    await ensureDir(ctx, inputDir);
    const tags: Record<string, string> = {};
    for (const t of input.tags) tags[t.key] = t.value;
    await writeFileAtomic(
      join(inputDir, META_FILE),
      dumpYaml({ destination_id: runId, destination_type: 'RUN', source_id: datasetId, source_type: 'DATASET', tags }),
      ctx.fsync,
    );
  }
}
