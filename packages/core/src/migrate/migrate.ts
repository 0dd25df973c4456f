import { LabbookError, invalidParameter } from '../errors.js';
import { isGuardedRegistryStore, isGuardedTrackingStore } from '../validation/index.js';
import { resolveArtifactRepository } from '../plugins/default-registry.js';
import { type RepositoryResolver, countArtifactFiles } from './copy-artifacts.js';
import { copyRegistry, countRegistry } from './copy-registry.js';
import { copyExperiment, countedTags } from './copy-tracking.js';
import { ENTITY_NAMES, type MigrateOptions, type MigrateReport } from './migrate-types.js';
import { type MigrationContext, migrationContext } from './migration-context.js';
import { allExperiments, allRuns, pointCount } from './source-reader.js';

function checkOptions(options: MigrateOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw invalidParameter(`Missing value for required parameter 'options': give migrate({ source, target }).`, { field: 'options' });
  }
  for (const field of ['source', 'target'] as const) {
    if (!isGuardedTrackingStore(options[field])) {
      throw invalidParameter(
        `Invalid value for parameter '${field}': give a tracking store from resolveTrackingStore (or validatedTrackingStore).`,
        {
          field,
        },
      );
    }
  }
  if (options.source === options.target) {
    throw invalidParameter(`Invalid value for parameter 'target': it is the source store itself. Give another store to migrate to.`, {
      field: 'target',
    });
  }
  for (const field of ['sourceRegistry', 'targetRegistry'] as const) {
    const store = options[field];
    if (store !== undefined && !isGuardedRegistryStore(store)) {
      throw invalidParameter(`Invalid value for parameter '${field}': give a registry store from resolveRegistryStore.`, { field });
    }
  }
  if ((options.sourceRegistry === undefined) !== (options.targetRegistry === undefined)) {
    throw invalidParameter(`Give both 'sourceRegistry' and 'targetRegistry' to migrate the registry, or neither.`, {
      field: options.sourceRegistry === undefined ? 'sourceRegistry' : 'targetRegistry',
    });
  }
  if (options.artifacts !== undefined && options.artifacts !== 'keep' && options.artifacts !== 'copy') {
    throw invalidParameter(`Invalid value ${JSON.stringify(options.artifacts)} for parameter 'artifacts': expected 'keep' or 'copy'.`, {
      field: 'artifacts',
    });
  }
}

/**
 * Copies everything of one tracking store (and, when both are given, one registry) into another,
 * through the store interfaces only, so any pair of backends works: experiments and runs of every
 * lifecycle stage with their params, tags, complete metric histories, dataset inputs and model outputs,
 * logged models when both stores keep them, and the registry's models, versions (same numbers),
 * stages, aliases, tags and descriptions.
 *
 * A target with import support (`target.supportsImport`) keeps every id. A target without gets new
 * ids: experiments are found by name (one of the same name is used, runs only added to it), runs are
 * created anew with a `labbook.migrate.sourceRunId` tag, and artifact files are copied (new ids mean
 * new locations). A target that claims import but refuses its first import with FEATURE_DISABLED (a
 * labbook server over a store without import) is migrated that way too, with a note in the report.
 *
 * Rerunning after an interruption skips what is already there and copies the rest; data in the target
 * that migrate did not write is never overwritten: a different entity under the same id (or version
 * number, or alias) fails with RESOURCE_ALREADY_EXISTS naming it. The closing verification counts
 * each entity of the migrated set in source and target; a mismatch fails with DATA_LOSS.
 *
 * @throws LabbookError INVALID_PARAMETER_VALUE for bad options, RESOURCE_ALREADY_EXISTS for a conflict,
 *   DATA_LOSS when the closing counts differ, and whatever a store reports.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateReport> {
  checkOptions(options);
  const resolve = options.resolveArtifacts ?? resolveArtifactRepository;
  let ctx = migrationContext(options, resolve);
  if (!ctx.importing) {
    ctx.report.notes.push(
      `${ctx.targetName} cannot import with ids: runs get new ids (tagged labbook.migrate.sourceRunId) and artifacts are copied.`,
    );
  }
  const experiments = [];
  for await (const e of allExperiments(ctx.source)) experiments.push(e);
  // Lowest ids first: the default experiment "0" before the rest, and a stable order for reruns.
  experiments.sort((a, b) => compareIds(a.experimentId, b.experimentId));
  ctx.totals.experiments = experiments.length;
  let runs = 0;
  for (const e of experiments) for await (const _ of allRuns(ctx.source, e.experimentId)) runs++;
  ctx.totals.runs = runs;
  ctx.progress('experiments');
  for (const experiment of experiments) {
    try {
      await copyExperiment(ctx, experiment);
    } catch (error) {
      if (!importRefused(ctx, error)) throw error;
      ctx = withoutImport(ctx, options, resolve, error);
      await copyExperiment(ctx, experiment);
    }
  }
  if (options.sourceRegistry && options.targetRegistry) await copyRegistry(ctx, options.sourceRegistry, options.targetRegistry);
  if (!ctx.dryRun) await verify(ctx, options);
  return ctx.report;
}

/**
 * True when the target claims import but its first import answered FEATURE_DISABLED (a labbook
 * server over a store without import, or an MLflow server): nothing has been written yet, since
 * importing the first experiment is the first write.
 */
function importRefused(ctx: MigrationContext, error: unknown): boolean {
  const started = ctx.report.written.experiments + ctx.report.skipped.experiments > 0;
  return ctx.importing && !ctx.dryRun && !started && LabbookError.is(error) && error.code === 'FEATURE_DISABLED';
}

/** A fresh context on the no-import path (new ids), keeping the totals already counted. */
function withoutImport(ctx: MigrationContext, options: MigrateOptions, resolve: RepositoryResolver, refusal: unknown): MigrationContext {
  const next = migrationContext(options, resolve, false);
  Object.assign(next.totals, ctx.totals);
  next.report.notes.push(
    `${ctx.targetName} refused to import with ids (${(refusal as Error).message}): runs get new ids (tagged labbook.migrate.sourceRunId) and artifacts are copied.`,
  );
  return next;
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Counts the migrated set as the target holds it, and fails when any count differs from the source's. */
async function verify(ctx: MigrationContext, options: MigrateOptions): Promise<void> {
  ctx.progress('verify');
  const t = ctx.report.target;
  t.experiments = [...ctx.report.experimentIds.values()].filter((id) => id !== '').length;
  for (const targetId of ctx.report.runIds.values()) {
    const run = await ctx.target.getRun(targetId);
    t.runs++;
    t.params += run.data.params.length;
    t.tags += countedTags(run);
    t.inputs += run.inputs.datasetInputs.length;
    t.metricPoints += await pointCount(
      ctx.target,
      targetId,
      run.data.metrics.map((m) => m.key),
    );
    if (ctx.copy) t.artifactFiles += await countArtifactFiles(ctx.resolve, run.info.artifactUri, ctx.targetArtifactOptions);
  }
  for (const { targetId } of ctx.migratedModels) {
    const model = await ctx.target.getLoggedModel(targetId);
    t.loggedModels++;
    if (ctx.copy) t.artifactFiles += await countArtifactFiles(ctx.resolve, model.info.artifactUri, ctx.targetArtifactOptions);
  }
  if (!ctx.target.supportsLoggedModels || (ctx.importing && !ctx.target.supportsLoggedModelImport)) {
    // Models the target cannot hold were reported in the notes, not lost silently.
    ctx.report.source.loggedModels = t.loggedModels;
  }
  if (options.sourceRegistry && options.targetRegistry) await countRegistry(ctx, options.sourceRegistry, options.targetRegistry);
  const differing = ENTITY_NAMES.filter((k) => ctx.report.source[k] !== t[k]);
  if (differing.length > 0) {
    const detail = differing.map((k) => `${k}: source ${ctx.report.source[k]}, target ${t[k]}`).join('; ');
    throw new LabbookError(
      'DATA_LOSS',
      `The migration into ${ctx.targetName} did not verify: ${detail}. Run it again to copy what is missing; if the counts still differ, report it with both stores' backends.`,
    );
  }
}
