import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Experiment, type LabbookError, invalidParameter, notFound } from '@labbook/core/plugin';
import { META_FILE, MODELS_FOLDER, MSG, TRASH_FOLDER } from './constants.js';
import { folderEntries } from './folder-entries.js';
import { containedPath } from './uri.js';
import type { RunReader } from './run-reader.js';
import type { StoreContext } from './store-context.js';

/** An experiment folder, active or in `.trash/`. */
export interface ExperimentDir {
  dir: string;
  deleted: boolean;
}

/** [id, dir, deleted] of every experiment folder (active ones first, then `.trash/`). */
export function listExperimentDirs(ctx: StoreContext): Array<{ id: string; dir: string; deleted: boolean }> {
  const out: Array<{ id: string; dir: string; deleted: boolean }> = [];
  const onSwept = (path: string) => ctx.warn(`${MSG} removed a temp entry left by a killed writer: ${path}`);
  for (const [base, deleted] of [
    [ctx.root, false],
    [join(ctx.root, TRASH_FOLDER), true],
  ] as const) {
    for (const e of folderEntries(base, onSwept)) {
      if (!e.isDirectory()) continue;
      if (!deleted && (e.name === TRASH_FOLDER || e.name === MODELS_FOLDER)) continue;
      if (e.name.startsWith('.')) continue;
      out.push({ id: e.name, dir: join(base, e.name), deleted });
    }
  }
  return out;
}

function checkExperimentId(id: string): void {
  if (typeof id !== 'string' || id === '' || id.includes('/') || id.includes('\\') || id.startsWith('.') || id.includes('\0')) {
    throw invalidParameter(`Invalid experiment ID: '${id}'`, { field: 'experiment_id' });
  }
}

/** The folder of an experiment (active or in `.trash/`), or undefined. */
export function findExperimentDir(ctx: StoreContext, id: string): ExperimentDir | undefined {
  checkExperimentId(id);
  const active = containedPath(ctx.root, id);
  if (existsSync(join(active, META_FILE))) return { dir: active, deleted: false };
  const trashed = containedPath(ctx.root, TRASH_FOLDER, id);
  if (existsSync(join(trashed, META_FILE))) return { dir: trashed, deleted: true };
  return undefined;
}

/** The experiment in a folder with its tags, or undefined (with a warning) when it cannot be read. */
export function readExperimentAt(ctx: StoreContext, id: string, dir: string): Experiment | undefined {
  let meta: ReturnType<RunReader['readExperimentMeta']>;
  try {
    meta = ctx.reader.readExperimentMeta(dir, id);
  } catch (error) {
    ctx.reader.warnOnce(`${MSG} skipping experiment folder ${dir}: ${(error as Error).message}`);
    return undefined;
  }
  if (!meta) return undefined;
  return { ...meta.experiment, tags: ctx.reader.readKeyValues(join(dir, 'tags')) };
}

/** Every readable experiment, active and deleted. */
export function allExperiments(ctx: StoreContext): Experiment[] {
  const out: Experiment[] = [];
  for (const { id, dir } of listExperimentDirs(ctx)) {
    const exp = readExperimentAt(ctx, id, dir);
    if (exp) out.push(exp);
  }
  return out;
}

export function experimentNotFound(id: string): LabbookError {
  return notFound(`Could not find experiment with ID ${id}`);
}

/** The folder of an active experiment; a deleted one is refused. */
export function activeExperimentDir(ctx: StoreContext, experimentId: string): string {
  const found = findExperimentDir(ctx, experimentId);
  if (!found) throw experimentNotFound(experimentId);
  if (found.deleted) {
    throw invalidParameter(`The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`);
  }
  return found.dir;
}

/** The folders of the experiments a search names; ids that do not exist or are malformed are skipped, as MLflow's FileStore skips them. */
export function searchedExperimentDirs(ctx: StoreContext, experimentIds: readonly string[]): ExperimentDir[] {
  const out: ExperimentDir[] = [];
  for (const experimentId of new Set(experimentIds)) {
    try {
      const found = findExperimentDir(ctx, experimentId);
      if (found) out.push(found);
    } catch {
      // Not an experiment of this store: nothing to search there.
    }
  }
  return out;
}
