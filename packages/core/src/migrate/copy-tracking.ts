import type { LoggedModel } from '../entities/logged-model.js';
import type { Experiment, Metric, Run } from '../entities/tracking.js';
import { LIMITS } from '../validation/limits.js';
import { copyArtifactTree } from './copy-artifacts.js';
import { INCOMPLETE_TAG, MIGRATE_TAG_PREFIX, SOURCE_EXPERIMENT_TAG, SOURCE_MODEL_TAG, SOURCE_RUN_TAG } from './migrate-types.js';
import { type MigrationContext, conflict, orMissing, tally } from './migration-context.js';
import { allExperiments, allLoggedModels, allRuns, fullHistory } from './source-reader.js';

/** Run tags as migrate counts them: without `mlflow.runName` (stores add it) and migrate's own markers. */
export function countedTags(run: Run): number {
  return run.data.tags.filter((t) => t.key !== 'mlflow.runName' && !t.key.startsWith(MIGRATE_TAG_PREFIX)).length;
}

function tagOf(tags: ReadonlyArray<{ key: string; value: string }>, key: string): string | undefined {
  return tags.find((t) => t.key === key)?.value;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Copies one experiment with its runs and logged models; returns the target's experiment id. */
export async function copyExperiment(ctx: MigrationContext, experiment: Experiment): Promise<void> {
  const targetId = ctx.importing ? await importExperiment(ctx, experiment) : await experimentByName(ctx, experiment);
  ctx.report.experimentIds.set(experiment.experimentId, targetId ?? '');
  ctx.report.source.experiments++;
  ctx.progress('experiments');
  const anew = ctx.importing ? undefined : await runsAlreadyCopied(ctx, targetId);
  let reactivated = false;
  // Runs can only be created in an active experiment: a deleted one copied anew is restored while
  // its runs are written, and deleted again at the end.
  const ensureActive = async () => {
    if (ctx.importing || ctx.dryRun || reactivated || targetId === undefined) return;
    const there = await ctx.target.getExperiment(targetId);
    if (there.lifecycleStage === 'deleted') await ctx.target.restoreExperiment(targetId);
    reactivated = true;
  };
  for await (const listed of allRuns(ctx.source, experiment.experimentId)) {
    const run = await ctx.source.getRun(listed.info.runId);
    const metrics = await fullHistory(ctx.source, run);
    countSource(ctx, run, metrics);
    if (ctx.importing) await importRun(ctx, run, metrics, targetId);
    else await copyRunAnew(ctx, targetId, run, metrics, anew!, ensureActive);
    ctx.progress('runs');
  }
  if (ctx.source.supportsLoggedModels && ctx.target.supportsLoggedModels) {
    // An experiment not yet in the target (a dry run) holds no copies.
    const existing = ctx.importing
      ? undefined
      : targetId === undefined
        ? new Map<string, LoggedModel>()
        : await modelsAlreadyCopied(ctx, targetId);
    for (const model of await allLoggedModels(ctx.source, experiment.experimentId)) {
      ctx.report.source.loggedModels++;
      if (ctx.importing) await importLoggedModel(ctx, model, targetId);
      else await copyLoggedModelAnew(ctx, targetId, model, existing!, ensureActive);
      ctx.progress('logged models');
    }
  } else if (ctx.source.supportsLoggedModels && (await allLoggedModels(ctx.source, experiment.experimentId)).length > 0) {
    ctx.report.notes.push(
      `Logged models of experiment ${experiment.experimentId} were not copied: ${ctx.targetName} does not keep logged models.`,
    );
  }
  if (reactivated && experiment.lifecycleStage === 'deleted' && targetId !== undefined) await ctx.target.deleteExperiment(targetId);
}

function countSource(ctx: MigrationContext, run: Run, metrics: readonly Metric[]): void {
  const s = ctx.report.source;
  s.runs++;
  s.params += run.data.params.length;
  s.tags += countedTags(run);
  s.metricPoints += metrics.length;
  s.inputs += run.inputs.datasetInputs.length;
}

function tallyRun(ctx: MigrationContext, outcome: 'created' | 'exists', run: Run, metrics: readonly Metric[]): void {
  tally(ctx, outcome, 'runs');
  tally(ctx, outcome, 'params', run.data.params.length);
  tally(ctx, outcome, 'tags', countedTags(run));
  tally(ctx, outcome, 'metricPoints', metrics.length);
  tally(ctx, outcome, 'inputs', run.inputs.datasetInputs.length);
}

async function importExperiment(ctx: MigrationContext, experiment: Experiment): Promise<string | undefined> {
  if (!ctx.target.acceptsExperimentId(experiment.experimentId)) return importExperimentAnew(ctx, experiment);
  const copy = ctx.relocate ? { ...experiment, artifactLocation: '' } : experiment;
  let outcome: 'created' | 'exists';
  if (ctx.dryRun) {
    const there = await orMissing(() => ctx.target.getExperiment(experiment.experimentId));
    if (there && there.name !== experiment.name) {
      throw conflict(
        ctx,
        `experiment ${experiment.experimentId} ('${experiment.name}')`,
        `experiment ${experiment.experimentId} there is '${there.name}'. Migrate into an empty store, or delete that experiment from it first.`,
      );
    }
    outcome = there ? 'exists' : 'created';
  } else {
    outcome = await ctx.target.importExperiment(copy);
  }
  tally(ctx, outcome, 'experiments');
  return experiment.experimentId;
}

/**
 * The target cannot keep the experiment's id (MLflow's SQL schema holds experiment ids in an INTEGER
 * column; the file store's are 18 digits): it is imported whole under the target's next free id,
 * tagged with its source id so that a rerun finds it by name. Its runs and models keep their ids.
 */
async function importExperimentAnew(ctx: MigrationContext, experiment: Experiment): Promise<string | undefined> {
  const there = await ctx.target.getExperimentByName(experiment.name);
  if (there) {
    if (tagOf(there.tags, SOURCE_EXPERIMENT_TAG) !== experiment.experimentId) {
      throw conflict(
        ctx,
        `experiment ${experiment.experimentId} ('${experiment.name}')`,
        `an experiment of that name is there (id ${there.experimentId}) that no migration of this one wrote. Migrate into an empty store, or rename or delete that experiment there first.`,
      );
    }
    tally(ctx, 'exists', 'experiments');
    return there.experimentId;
  }
  tally(ctx, 'created', 'experiments');
  if (ctx.dryRun) return undefined;
  const experimentId = await nextExperimentId(ctx);
  await ctx.target.importExperiment({
    ...experiment,
    experimentId,
    ...(ctx.relocate ? { artifactLocation: '' } : {}),
    tags: [...experiment.tags, { key: SOURCE_EXPERIMENT_TAG, value: experiment.experimentId }],
  });
  return experimentId;
}

/** One more than the largest numeric experiment id in the target (migrate is the target's only writer). */
async function nextExperimentId(ctx: MigrationContext): Promise<string> {
  let max = 0n;
  for await (const e of allExperiments(ctx.target)) {
    if (/^\d+$/.test(e.experimentId) && BigInt(e.experimentId) > max) max = BigInt(e.experimentId);
  }
  return String(max + 1n);
}

/**
 * Without import support, an experiment is found by name: one of that name already in the target is
 * used (runs are only ever added to it, each tagged with its source id, so nothing there is
 * overwritten); else it is created, in the target's default artifact location.
 */
async function experimentByName(ctx: MigrationContext, experiment: Experiment): Promise<string | undefined> {
  const there = await ctx.target.getExperimentByName(experiment.name);
  if (there) {
    if (there.lifecycleStage === 'deleted' && experiment.lifecycleStage !== 'deleted') {
      throw conflict(
        ctx,
        `experiment '${experiment.name}'`,
        `an experiment of that name is deleted there (id ${there.experimentId}). Restore it, or rename or permanently delete it, then migrate again.`,
      );
    }
    tally(ctx, 'exists', 'experiments');
    return there.experimentId;
  }
  tally(ctx, 'created', 'experiments');
  if (ctx.dryRun) return undefined;
  const tags = experiment.tags.filter((t) => !t.key.startsWith(MIGRATE_TAG_PREFIX));
  const id = await ctx.target.createExperiment(experiment.name, undefined, tags);
  if (experiment.lifecycleStage === 'deleted') await ctx.target.deleteExperiment(id);
  return id;
}

async function importRun(ctx: MigrationContext, source: Run, metrics: Metric[], experimentId: string | undefined): Promise<void> {
  // Under the experiment's id in the target (another one when the target could not keep it).
  const run = experimentId === undefined ? source : { ...source, info: { ...source.info, experimentId } };
  const runId = run.info.runId;
  const imported = ctx.relocate ? { ...run, info: { ...run.info, artifactUri: '' } } : run;
  let outcome: 'created' | 'exists';
  if (ctx.dryRun) {
    const there = await orMissing(() => ctx.target.getRun(runId));
    if (there && (there.info.experimentId !== run.info.experimentId || (there.info.startTime ?? 0) !== (run.info.startTime ?? 0))) {
      throw conflict(
        ctx,
        `run ${runId}`,
        'a different run with that id is there. Migrate into an empty store, or delete that run from it first.',
      );
    }
    outcome = there ? 'exists' : 'created';
  } else {
    outcome = await ctx.target.importRun({ run: imported, metrics });
  }
  tallyRun(ctx, outcome, run, metrics);
  ctx.report.runIds.set(runId, runId);
  if (ctx.copy && !ctx.dryRun) {
    const there = await ctx.target.getRun(runId);
    await copyFiles(ctx, run.info.artifactUri, there.info.artifactUri);
  }
}

/** Target runs that carry a source run id, by that id (a complete copy wins over an interrupted one). */
async function runsAlreadyCopied(ctx: MigrationContext, targetExperimentId: string | undefined): Promise<Map<string, Run>> {
  const out = new Map<string, Run>();
  if (targetExperimentId === undefined) return out;
  for await (const run of allRuns(ctx.target, targetExperimentId)) {
    const sourceId = tagOf(run.data.tags, SOURCE_RUN_TAG);
    if (sourceId === undefined) continue;
    const before = out.get(sourceId);
    if (!before || tagOf(before.data.tags, INCOMPLETE_TAG) !== undefined) out.set(sourceId, run);
  }
  return out;
}

/**
 * Copies a run into a target without import support: a new run (new id) tagged with its source id and
 * marked incomplete until every param, tag, point and input is written, then given its status, end
 * time and lifecycle stage. A rerun skips complete copies and replaces an interrupted one (deleting
 * it: it is migrate's own). Metric points lose their model ids (the models get new ids later).
 */
async function copyRunAnew(
  ctx: MigrationContext,
  targetExperimentId: string | undefined,
  run: Run,
  metrics: Metric[],
  copied: Map<string, Run>,
  ensureActive: () => Promise<void>,
): Promise<void> {
  const sourceId = run.info.runId;
  const there = copied.get(sourceId);
  if (there && tagOf(there.data.tags, INCOMPLETE_TAG) === undefined) {
    tallyRun(ctx, 'exists', run, metrics);
    ctx.report.runIds.set(sourceId, there.info.runId);
    await copyFiles(ctx, run.info.artifactUri, there.info.artifactUri);
    return;
  }
  tallyRun(ctx, 'created', run, metrics);
  if (ctx.dryRun || targetExperimentId === undefined) return;
  await ensureActive();
  if (there && there.info.lifecycleStage === 'active') await ctx.target.deleteRun(there.info.runId);
  const created = await ctx.target.createRun({
    experimentId: targetExperimentId,
    userId: run.info.userId,
    ...(run.info.startTime !== undefined ? { startTime: run.info.startTime } : {}),
    ...(run.info.runName ? { runName: run.info.runName } : {}),
    tags: [
      { key: SOURCE_RUN_TAG, value: sourceId },
      { key: INCOMPLETE_TAG, value: 'true' },
    ],
  });
  const id = created.info.runId;
  for (const params of chunks(run.data.params, LIMITS.batchParams)) await ctx.target.logBatch(id, { params });
  const tags = run.data.tags.filter((t) => !t.key.startsWith(MIGRATE_TAG_PREFIX) && t.key !== 'mlflow.runName');
  for (const batch of chunks(tags, LIMITS.batchTags)) await ctx.target.logBatch(id, { tags: batch });
  const points = metrics.map(({ modelId: _dropped, ...m }) => m);
  for (const batch of chunks(points, LIMITS.batchMetrics)) await ctx.target.logBatch(id, { metrics: batch });
  if (run.inputs.datasetInputs.length > 0) await ctx.target.logInputs(id, run.inputs.datasetInputs);
  await ctx.target.updateRunInfo(id, { status: run.info.status, ...(run.info.endTime !== undefined ? { endTime: run.info.endTime } : {}) });
  await ctx.target.deleteTag(id, INCOMPLETE_TAG);
  ctx.report.runIds.set(sourceId, id);
  await copyFiles(ctx, run.info.artifactUri, created.info.artifactUri);
  if (run.info.lifecycleStage === 'deleted') await ctx.target.deleteRun(id);
}

async function copyFiles(ctx: MigrationContext, from: string, to: string): Promise<void> {
  if (from && to) ctx.artifactRoots.push([from, to]);
  if (!ctx.copy || ctx.dryRun) return;
  const files = await copyArtifactTree(
    ctx.resolve,
    { uri: from, options: ctx.sourceArtifactOptions },
    { uri: to, options: ctx.targetArtifactOptions },
    () => {
      ctx.report.written.artifactFiles++;
      ctx.progress('artifacts');
    },
  );
  ctx.report.source.artifactFiles += files;
}

function sameModel(a: LoggedModel, b: LoggedModel): boolean {
  return a.info.experimentId === b.info.experimentId && a.info.name === b.info.name;
}

async function importLoggedModel(ctx: MigrationContext, source: LoggedModel, experimentId: string | undefined): Promise<void> {
  const retarget = (m: LoggedModel): LoggedModel => (experimentId === undefined ? m : { ...m, info: { ...m.info, experimentId } });
  const model = retarget(source);
  const id = model.info.modelId;
  let outcome: 'created' | 'exists';
  if (ctx.dryRun) {
    const there = await orMissing(() => ctx.target.getLoggedModel(id));
    if (there && !sameModel(there, model)) {
      throw conflict(
        ctx,
        `logged model ${id}`,
        'a different model with that id is there. Migrate into an empty store, or delete that model first.',
      );
    }
    outcome = there ? 'exists' : 'created';
  } else {
    if (!ctx.target.supportsLoggedModelImport) {
      ctx.report.notes.push(`Logged model ${id} was not copied: ${ctx.targetName} imports runs but not logged models.`);
      return;
    }
    const full = retarget(await ctx.source.getLoggedModel(id));
    outcome = await ctx.target.importLoggedModel(ctx.relocate ? { ...full, info: { ...full.info, artifactUri: '' } } : full);
  }
  tally(ctx, outcome, 'loggedModels');
  ctx.modelIds.set(id, id);
  ctx.migratedModels.push({ sourceId: id, targetId: id });
  if (!ctx.dryRun) {
    const there = await ctx.target.getLoggedModel(id);
    await copyFiles(ctx, model.info.artifactUri, there.info.artifactUri);
  }
}

async function modelsAlreadyCopied(ctx: MigrationContext, targetExperimentId: string): Promise<Map<string, LoggedModel>> {
  const out = new Map<string, LoggedModel>();
  for (const m of await allLoggedModels(ctx.target, targetExperimentId)) {
    const sourceId = tagOf(m.info.tags, SOURCE_MODEL_TAG);
    if (sourceId !== undefined) out.set(sourceId, m);
  }
  return out;
}

/**
 * Copies a logged model into a target without import support: a new model tagged with its source id,
 * its params and tags, status and files. Its metric points are not copied (they are logged through
 * runs, which were copied before the model had its new id).
 */
async function copyLoggedModelAnew(
  ctx: MigrationContext,
  targetExperimentId: string | undefined,
  model: LoggedModel,
  copied: Map<string, LoggedModel>,
  ensureActive: () => Promise<void>,
): Promise<void> {
  const sourceId = model.info.modelId;
  let there = copied.get(sourceId);
  tally(ctx, there ? 'exists' : 'created', 'loggedModels');
  if (ctx.dryRun || targetExperimentId === undefined) return;
  if (!there) {
    await ensureActive();
    const full = await ctx.source.getLoggedModel(sourceId);
    const sourceRun = full.info.sourceRunId && ctx.report.runIds.get(full.info.sourceRunId);
    there = await ctx.target.createLoggedModel({
      experimentId: targetExperimentId,
      name: full.info.name,
      ...(full.info.modelType ? { modelType: full.info.modelType } : {}),
      ...(sourceRun ? { sourceRunId: sourceRun } : {}),
      tags: [...full.info.tags.filter((t) => !t.key.startsWith(MIGRATE_TAG_PREFIX)), { key: SOURCE_MODEL_TAG, value: sourceId }],
    });
    for (const params of chunks(full.data.params, LIMITS.batchParams)) await ctx.target.logLoggedModelParams(there.info.modelId, params);
    if (full.data.metrics.length > 0) ctx.report.notes.push(`The metric points of logged model ${sourceId} were not copied (new ids).`);
  }
  const id = there.info.modelId;
  ctx.modelIds.set(sourceId, id);
  ctx.migratedModels.push({ sourceId, targetId: id });
  await copyFiles(ctx, model.info.artifactUri, there.info.artifactUri);
  const final = model.info.status === 'LOGGED_MODEL_READY' || model.info.status === 'LOGGED_MODEL_UPLOAD_FAILED';
  if (final && there.info.status !== model.info.status) await ctx.target.finalizeLoggedModel(id, model.info.status);
}
