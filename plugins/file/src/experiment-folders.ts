import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Experiment, type ExperimentTag, alreadyExists, internalError, invalidParameter, notFound } from '@labbook/core/plugin';
import { resolveArtifactLocation } from './artifact-location.js';
import { writeFileAtomic } from './atomic-write.js';
import { DEFAULT_EXPERIMENT_ID, META_FILE, MSG, TRASH_FOLDER } from './constants.js';
import { ioError, isMissing } from './errors.js';
import { generateExperimentId } from './experiment-id.js';
import {
  activeExperimentDir,
  allExperiments,
  experimentNotFound,
  findExperimentDir,
  listExperimentDirs,
  readExperimentAt,
} from './experiment-lookup.js';
import { containedPath } from './uri.js';
import { withMetaLock } from './meta-lock.js';
import { isRenameConflict, publishFolder } from './publish-folder.js';
import { forgetRunsOf, listRunDirs } from './run-lookup.js';
import { safeRunMeta, writeRunMeta } from './run-meta.js';
import { type StoreContext, ensureDir } from './store-context.js';
import { dumpYaml } from './yaml-io.js';

/** Opens a store folder: creates `.trash/`, and the default experiment when there is none. */
export async function openStore(ctx: StoreContext): Promise<void> {
  await fsp.mkdir(join(ctx.root, TRASH_FOLDER), { recursive: true });
  const hasExperiments = listExperimentDirs(ctx).length > 0;
  if (!hasExperiments) await createDefaultExperiment(ctx);
}

async function createDefaultExperiment(ctx: StoreContext): Promise<void> {
  const now = Date.now();
  const meta = {
    artifact_location: `${ctx.artifactRootUri}/${DEFAULT_EXPERIMENT_ID}`,
    creation_time: now,
    experiment_id: DEFAULT_EXPERIMENT_ID,
    last_update_time: now,
    lifecycle_stage: 'active',
    name: 'Default',
  };
  await publishFolder(join(ctx.root, DEFAULT_EXPERIMENT_ID), dumpYaml(meta), [], [], ctx.fsync).catch((error) => {
    // Another process created it first.
    if (!isRenameConflict(error)) throw error;
  });
}

/** Creates an experiment with a new id; see `TrackingStore.createExperiment`. */
export async function createExperiment(
  ctx: StoreContext,
  name: string,
  artifactLocation?: string,
  tags: ExperimentTag[] = [],
): Promise<string> {
  await ctx.init();
  // Names are unique: check and create under the root's lock so two processes cannot both win.
  return withMetaLock(ctx.root, () => createExperimentLocked(ctx, name, artifactLocation, tags));
}

async function createExperimentLocked(
  ctx: StoreContext,
  name: string,
  artifactLocation: string | undefined,
  tags: ExperimentTag[],
): Promise<string> {
  assertNameFree(ctx, name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = generateExperimentId();
    const now = Date.now();
    const meta = {
      artifact_location: artifactLocation ? resolveArtifactLocation(artifactLocation) : `${ctx.artifactRootUri}/${id}`,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    try {
      await publishFolder(containedPath(ctx.root, id), dumpYaml(meta), [], tags, ctx.fsync);
      return id;
    } catch (error) {
      if (isRenameConflict(error)) continue;
      throw ioError('creating an experiment', error);
    }
  }
  throw internalError(`${MSG} could not allocate a unique experiment id`);
}

function assertNameFree(ctx: StoreContext, name: string, exceptId?: string): void {
  for (const exp of allExperiments(ctx)) {
    if (exp.name !== name || exp.experimentId === exceptId) continue;
    if (exp.lifecycleStage === 'deleted') {
      throw alreadyExists(
        `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this name again.`,
      );
    }
    throw alreadyExists(`Experiment '${name}' already exists.`);
  }
}

/** An experiment by id, active or deleted. */
export async function getExperiment(ctx: StoreContext, experimentId: string): Promise<Experiment> {
  await ctx.init();
  const found = findExperimentDir(ctx, experimentId);
  const exp = found && readExperimentAt(ctx, experimentId, found.dir);
  if (!exp) throw experimentNotFound(experimentId);
  return exp;
}

/** An experiment by name, the active one first; null when there is none. */
export async function getExperimentByName(ctx: StoreContext, name: string): Promise<Experiment | null> {
  await ctx.init();
  const matches = allExperiments(ctx).filter((e) => e.name === name);
  return matches.find((e) => e.lifecycleStage === 'active') ?? matches[0] ?? null;
}

async function rewriteExperimentMeta(ctx: StoreContext, dir: string, id: string, change: Record<string, unknown>): Promise<void> {
  await withMetaLock(dir, async () => {
    const meta = ctx.reader.readExperimentMeta(dir, id);
    if (!meta) throw experimentNotFound(id);
    await writeFileAtomic(join(dir, META_FILE), dumpYaml({ ...meta.raw, ...change }), ctx.fsync);
  });
}

/** Marks an experiment and its active runs deleted and moves its folder to `.trash/`. */
export async function deleteExperiment(ctx: StoreContext, experimentId: string): Promise<void> {
  await ctx.init();
  if (experimentId === DEFAULT_EXPERIMENT_ID) {
    throw invalidParameter(`Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`);
  }
  const found = findExperimentDir(ctx, experimentId);
  if (!found || found.deleted) throw experimentNotFound(experimentId);
  const now = Date.now();
  for (const runDir of listRunDirs(ctx, found.dir)) {
    const meta = safeRunMeta(ctx, runDir);
    if (meta && meta.info.lifecycleStage === 'active') {
      await writeRunMeta(ctx, runDir, { lifecycle_stage: 'deleted', deleted_time: now });
    }
  }
  await rewriteExperimentMeta(ctx, found.dir, experimentId, { lifecycle_stage: 'deleted', last_update_time: now });
  try {
    await fsp.rename(found.dir, containedPath(ctx.root, TRASH_FOLDER, experimentId));
  } catch (error) {
    throw ioError(`moving experiment ${experimentId} to ${TRASH_FOLDER}`, error);
  }
  forgetRunsOf(ctx, experimentId);
}

/** Moves an experiment back from `.trash/` with the runs deleted together with it. */
export async function restoreExperiment(ctx: StoreContext, experimentId: string): Promise<void> {
  await ctx.init();
  const found = findExperimentDir(ctx, experimentId);
  if (!found) throw experimentNotFound(experimentId);
  if (!found.deleted) return;
  const meta = ctx.reader.readExperimentMeta(found.dir, experimentId);
  const deletedAt = Number(meta?.raw.last_update_time ?? 0);
  const target = containedPath(ctx.root, experimentId);
  if (existsSync(target)) {
    throw invalidParameter(`Cannot restore experiment with ID ${experimentId}. An experiment with same ID already exists.`);
  }
  try {
    await fsp.rename(found.dir, target);
  } catch (error) {
    throw ioError(`restoring experiment ${experimentId}`, error);
  }
  forgetRunsOf(ctx, experimentId);
  for (const runDir of listRunDirs(ctx, target)) {
    const runMeta = safeRunMeta(ctx, runDir);
    // Only the runs deleted together with the experiment come back.
    if (runMeta && runMeta.info.lifecycleStage === 'deleted' && (runMeta.deletedTime ?? 0) >= deletedAt) {
      await writeRunMeta(ctx, runDir, { lifecycle_stage: 'active', deleted_time: null });
    }
  }
  await rewriteExperimentMeta(ctx, target, experimentId, { lifecycle_stage: 'active', last_update_time: Date.now() });
}

/** Renames an active experiment; names stay unique. */
export async function renameExperiment(ctx: StoreContext, experimentId: string, newName: string): Promise<void> {
  await ctx.init();
  const found = findExperimentDir(ctx, experimentId);
  if (!found) throw experimentNotFound(experimentId);
  if (found.deleted) throw invalidParameter('Cannot rename a non-active experiment.');
  await withMetaLock(ctx.root, async () => {
    assertNameFree(ctx, newName, experimentId);
    await rewriteExperimentMeta(ctx, found.dir, experimentId, { name: newName, last_update_time: Date.now() });
  });
}

/** Sets a tag of an active experiment. */
export async function setExperimentTag(ctx: StoreContext, experimentId: string, tag: ExperimentTag): Promise<void> {
  await ctx.init();
  const dir = activeExperimentDir(ctx, experimentId);
  await writeKeyFile(ctx, join(dir, 'tags'), tag.key, tag.value);
}

/** Replaces a tag file atomically. */
async function writeKeyFile(ctx: StoreContext, folder: string, key: string, value: string): Promise<void> {
  const path = containedPath(folder, key);
  await ensureDir(ctx, resolve(path, '..'));
  await writeFileAtomic(path, value, ctx.fsync);
}

/** Deletes a tag of an active experiment. */
export async function deleteExperimentTag(ctx: StoreContext, experimentId: string, key: string): Promise<void> {
  await ctx.init();
  const dir = activeExperimentDir(ctx, experimentId);
  const path = containedPath(join(dir, 'tags'), key);
  try {
    await fsp.unlink(path);
  } catch (error) {
    if (isMissing(error)) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
    throw ioError(`deleting experiment tag ${key}`, error);
  }
}
