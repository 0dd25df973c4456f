import { randomUUID } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type CreateLoggedModelOptions,
  LabbookError,
  type LoggedModel,
  type LoggedModelParameter,
  type LoggedModelStatus,
  type LoggedModelTag,
  generateRunName,
  invalidParameter,
  localPathFromUri,
  notFound,
} from '@labbook/core/plugin';
import { type FileToWrite, StagedFiles, tempPathFor, writeFilesAtomic, writeFilesSynced } from './atomic-write.js';
import { META_FILE, MODELS_FOLDER, MSG } from './constants.js';
import { ioError, isMissing } from './errors.js';
import { experimentNotFound, findExperimentDir, listExperimentDirs } from './experiment-lookup.js';
import { folderEntries } from './folder-entries.js';
import { type LoggedModelMeta, loggedModelMetaFromRaw, modelReader, statusNumber } from './logged-model-files.js';
import { withMetaLock } from './meta-lock.js';
import { isRenameConflict } from './publish-folder.js';
import type { StoreContext } from './store-context.js';
import { containedPath } from './uri.js';
import { dumpYaml } from './yaml-io.js';

/** Where a logged model lives. */
export interface ModelLocation {
  experimentId: string;
  expDir: string;
  modelDir: string;
}

const locations = new WeakMap<StoreContext, Map<string, ModelLocation>>();

function locationCache(ctx: StoreContext): Map<string, ModelLocation> {
  let m = locations.get(ctx);
  if (!m) {
    m = new Map();
    locations.set(ctx, m);
  }
  return m;
}

function modelNotFound(modelId: string): LabbookError {
  return notFound(`Logged model with ID '${modelId}' not found. Check the id, or search the experiment's logged models.`);
}

function checkModelId(modelId: string): void {
  // The guard checks ids first; this keeps a path segment from ever leaving the models folder.
  if (typeof modelId !== 'string' || !/^[A-Za-z0-9_-]+$/.test(modelId)) throw modelNotFound(String(modelId));
}

/** The model folders of an experiment folder (temp entries skipped). */
export function listModelDirs(ctx: StoreContext, expDir: string): Array<{ id: string; dir: string }> {
  const modelsDir = join(expDir, MODELS_FOLDER);
  const onSwept = (path: string) => ctx.warn(`${MSG} removed a temp entry left by a killed writer: ${path}`);
  const out: Array<{ id: string; dir: string }> = [];
  for (const e of folderEntries(modelsDir, onSwept)) {
    if (e.isDirectory() && !e.name.startsWith('.')) out.push({ id: e.name, dir: join(modelsDir, e.name) });
  }
  return out;
}

/** Where a model lives: the cached folder when its meta.yaml is still there, else looked for in every experiment. */
export function locateModel(ctx: StoreContext, modelId: string): ModelLocation {
  checkModelId(modelId);
  const cache = locationCache(ctx);
  const cached = cache.get(modelId);
  if (cached && existsSync(join(cached.modelDir, META_FILE))) return cached;
  cache.delete(modelId);
  for (const { id, dir } of listExperimentDirs(ctx)) {
    const modelDir = join(dir, MODELS_FOLDER, modelId);
    if (existsSync(join(modelDir, META_FILE))) {
      const loc = { experimentId: id, expDir: dir, modelDir };
      cache.set(modelId, loc);
      return loc;
    }
  }
  throw modelNotFound(modelId);
}

/** A model that exists and is not deleted, with its meta. */
export function liveModel(ctx: StoreContext, modelId: string): { loc: ModelLocation; meta: LoggedModelMeta } {
  const loc = locateModel(ctx, modelId);
  const meta = modelReader(ctx).meta(loc.modelDir, modelId);
  if (!meta || meta.deleted) throw modelNotFound(modelId);
  return { loc, meta };
}

/** True when an artifact location is a folder on this machine (a `file:` URI or a plain path). */
function localArtifactDir(uri: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !uri.startsWith('file:')) return undefined;
  try {
    return localPathFromUri(uri);
  } catch {
    return undefined;
  }
}

/**
 * Creates a PENDING model: its folder is built under a temp name (meta.yaml, params, tags, empty
 * metrics) and renamed into `<exp>/models/<id>`, so no reader sees a model without its params.
 */
export async function createLoggedModel(ctx: StoreContext, options: CreateLoggedModelOptions): Promise<LoggedModel> {
  await ctx.init();
  const found = findExperimentDir(ctx, options.experimentId);
  if (!found) throw experimentNotFound(options.experimentId);
  if (found.deleted) {
    throw new LabbookError(
      'INVALID_STATE',
      `Could not create a logged model under experiment ${options.experimentId}: it is deleted. Restore it or use an active experiment.`,
    );
  }
  const expMeta = ctx.reader.readExperimentMeta(found.dir, options.experimentId);
  if (!expMeta) throw experimentNotFound(options.experimentId);
  const modelId = `m-${randomUUID().replace(/-/g, '')}`;
  const now = Date.now();
  const artifactLocation = `${expMeta.experiment.artifactLocation.replace(/\/+$/, '')}/${MODELS_FOLDER}/${modelId}/artifacts`;
  const raw: Record<string, unknown> = {
    artifact_location: artifactLocation,
    creation_timestamp: now,
    experiment_id: options.experimentId,
    last_updated_timestamp: now,
    lifecycle_stage: 'active',
    model_id: modelId,
    model_type: options.modelType ?? null,
    name: options.name || generateRunName(),
    source_run_id: options.sourceRunId ?? null,
    status: statusNumber('LOGGED_MODEL_PENDING'),
    status_message: null,
  };
  const modelsDir = join(found.dir, MODELS_FOLDER);
  const modelDir = join(modelsDir, modelId);
  const localArtifacts = localArtifactDir(artifactLocation);
  const subfolders = ['metrics', 'params', 'tags'];
  if (localArtifacts !== undefined && resolve(localArtifacts) === join(modelDir, 'artifacts')) subfolders.push('artifacts');
  const tags = new Map<string, string>();
  for (const t of options.tags ?? []) tags.set(t.key, t.value);
  const params = new Map<string, string>();
  for (const p of options.params ?? []) {
    const before = params.get(p.key);
    if (before !== undefined && before !== p.value) {
      throw invalidParameter(`Param '${p.key}' is given twice with different values ('${before}', '${p.value}'); give each key once.`, {
        field: 'params',
      });
    }
    params.set(p.key, p.value);
  }
  try {
    await fsp.mkdir(modelsDir, { recursive: true });
    const tmp = tempPathFor(modelDir);
    await fsp.mkdir(tmp);
    try {
      await Promise.all(subfolders.map((sub) => fsp.mkdir(join(tmp, sub))));
      const files: FileToWrite[] = [{ path: join(tmp, META_FILE), data: dumpYaml(raw) }];
      for (const [folder, values] of [
        ['params', params],
        ['tags', tags],
      ] as const) {
        for (const [key, value] of values) {
          const path = containedPath(join(tmp, folder), key);
          if (key.includes('/')) await fsp.mkdir(resolve(path, '..'), { recursive: true });
          files.push({ path, data: value });
        }
      }
      await writeFilesSynced(files, ctx.fsync);
      await fsp.rename(tmp, modelDir);
    } catch (error) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (isRenameConflict(error))
      throw new LabbookError('INTERNAL_ERROR', `${MSG} logged model id ${modelId} collided with an existing folder; retry the call`);
    throw ioError(`creating logged model ${modelId}`, error);
  }
  locationCache(ctx).set(modelId, { experimentId: options.experimentId, expDir: found.dir, modelDir });
  const meta = loggedModelMetaFromRaw(raw, modelId);
  return {
    info: { ...meta.info, tags: [...tags].map(([key, value]) => ({ key, value })) },
    data: { params: [...params].map(([key, value]) => ({ key, value })), metrics: [] },
  };
}

/** A model in full; deleted ones are RESOURCE_DOES_NOT_EXIST. */
export async function getLoggedModel(ctx: StoreContext, modelId: string): Promise<LoggedModel> {
  await ctx.init();
  const { loc, meta } = liveModel(ctx, modelId);
  return modelReader(ctx).full(loc.modelDir, meta);
}

/**
 * Changes a model's meta.yaml under its folder's lock: re-read, judged by `change` (which returns
 * the new mapping, or undefined for nothing to write), written atomically.
 */
async function rewriteMeta(
  ctx: StoreContext,
  modelId: string,
  change: (fresh: LoggedModelMeta) => Record<string, unknown> | undefined,
): Promise<LoggedModelMeta> {
  const loc = locateModel(ctx, modelId);
  return withMetaLock(loc.modelDir, async () => {
    const fresh = modelReader(ctx).meta(loc.modelDir, modelId);
    if (!fresh || fresh.deleted) throw modelNotFound(modelId);
    const raw = change(fresh);
    if (!raw) return fresh;
    await writeFilesAtomic([{ path: join(loc.modelDir, META_FILE), data: dumpYaml(raw) }], ctx.fsync);
    return loggedModelMetaFromRaw(raw, modelId);
  }).catch((error) => {
    // The folder vanished while waiting for its lock: for the caller the model is gone.
    if (LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') throw modelNotFound(modelId);
    throw error;
  });
}

const FINAL: ReadonlySet<LoggedModelStatus> = new Set(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']);

/**
 * Sets a final status. The file is rewritten without `lifecycle_stage`, as MLflow's finalize does
 * (absent means active), so both write the same bytes.
 */
export async function finalizeLoggedModel(ctx: StoreContext, modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
  await ctx.init();
  await rewriteMeta(ctx, modelId, (fresh) => {
    if (fresh.info.status === status) return undefined;
    if (FINAL.has(fresh.info.status)) {
      throw invalidParameter(
        `Logged model ${modelId} is already finalized with status ${fresh.info.status}; a final status cannot change to ${status}. Create a new model instead.`,
        { field: 'status' },
      );
    }
    const { lifecycle_stage: _dropped, ...rest } = fresh.raw;
    return { ...rest, status: statusNumber(status), last_updated_timestamp: Date.now() };
  });
  return getLoggedModel(ctx, modelId);
}

/** Soft-deletes a model (`lifecycle_stage: deleted`); its folder stays. */
export async function deleteLoggedModel(ctx: StoreContext, modelId: string): Promise<void> {
  await ctx.init();
  await rewriteMeta(ctx, modelId, (fresh) => ({ ...fresh.raw, lifecycle_stage: 'deleted', last_updated_timestamp: Date.now() }));
}

/** Upserts tags (the last of a key given twice wins), each file replaced atomically. */
export async function setLoggedModelTags(ctx: StoreContext, modelId: string, tags: LoggedModelTag[]): Promise<void> {
  await ctx.init();
  const { loc } = liveModel(ctx, modelId);
  const byKey = new Map<string, string>();
  for (const t of tags) byKey.set(t.key, t.value);
  const files: FileToWrite[] = [];
  for (const [key, value] of byKey) {
    const path = containedPath(join(loc.modelDir, 'tags'), key);
    await fsp.mkdir(resolve(path, '..'), { recursive: true });
    files.push({ path, data: value });
  }
  await writeFilesAtomic(files, ctx.fsync);
}

/** Removes a tag; a missing key is RESOURCE_DOES_NOT_EXIST. */
export async function deleteLoggedModelTag(ctx: StoreContext, modelId: string, key: string): Promise<void> {
  await ctx.init();
  const { loc } = liveModel(ctx, modelId);
  try {
    await fsp.unlink(containedPath(join(loc.modelDir, 'tags'), key));
  } catch (error) {
    if (isMissing(error)) throw notFound(`No tag with key '${key}' on logged model ${modelId}; list its tags with getLoggedModel.`);
    throw ioError(`deleting tag ${key} of logged model ${modelId}`, error);
  }
}

/**
 * Adds params. Each is created with link(2) from a synced temp, so of two writers exactly one
 * creates it; a key already there with another value is refused.
 */
export async function logLoggedModelParams(ctx: StoreContext, modelId: string, params: LoggedModelParameter[]): Promise<void> {
  await ctx.init();
  const { loc } = liveModel(ctx, modelId);
  const dir = join(loc.modelDir, 'params');
  const files: FileToWrite[] = [];
  for (const p of params) {
    const path = containedPath(dir, p.key);
    await fsp.mkdir(resolve(path, '..'), { recursive: true });
    files.push({ path, data: p.value });
  }
  let staged: StagedFiles;
  try {
    staged = await StagedFiles.stage(files, ctx.fsync);
  } catch (error) {
    throw ioError(`logging params to logged model ${modelId}`, error);
  }
  try {
    for (let i = 0; i < params.length; i++) {
      if (await staged.create(i)) continue;
      const { key, value } = params[i]!;
      const existing = await fsp.readFile(files[i]!.path, 'utf8').catch((error) => {
        throw ioError(`reading param ${key} of logged model ${modelId}`, error);
      });
      if (existing !== value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing}' for logged model ID='${modelId}'. Attempted logging new value '${value}'.`,
          { field: 'params' },
        );
      }
    }
  } finally {
    await staged.discard();
  }
}
