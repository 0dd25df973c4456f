import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '@labbook/core/plugin';
import { META_FILE, MSG, RESERVED_EXPERIMENT_FOLDERS } from './constants.js';
import { listExperimentDirs } from './experiment-lookup.js';
import { folderEntries } from './folder-entries.js';
import { checkActive } from './run-meta.js';
import type { RunMeta } from './run-reader.js';
import type { RunLocation, StoreContext } from './store-context.js';

/** Run folders of an experiment folder (sub-folders that are not reserved or temporary). */
export function listRunDirs(ctx: StoreContext, expDir: string): string[] {
  const out: string[] = [];
  const onSwept = (path: string) => ctx.warn(`${MSG} removed a temp entry left by a killed writer: ${path}`);
  for (const e of folderEntries(expDir, onSwept)) {
    if (!e.isDirectory() || RESERVED_EXPERIMENT_FOLDERS.has(e.name) || e.name.startsWith('.')) continue;
    out.push(join(expDir, e.name));
  }
  return out;
}

/** Drops the cached locations of an experiment's runs (its folder moved). */
export function forgetRunsOf(ctx: StoreContext, experimentId: string): void {
  for (const [id, loc] of ctx.runLocations) if (loc.experimentId === experimentId) ctx.runLocations.delete(id);
}

function checkRunId(runId: string): void {
  if (typeof runId !== 'string' || runId === '' || !/^[A-Za-z0-9_-]+$/.test(runId)) {
    throw notFound(`Run '${runId}' not found`);
  }
}

/** Where a run lives; scans experiment folders (one stat each) when not cached or moved. */
export function locateRun(ctx: StoreContext, runId: string): RunLocation {
  checkRunId(runId);
  const cached = ctx.runLocations.get(runId);
  if (cached && existsSync(join(cached.runDir, META_FILE))) return cached;
  ctx.runLocations.delete(runId);
  for (const { id, dir } of listExperimentDirs(ctx)) {
    const runDir = join(dir, runId);
    if (existsSync(join(runDir, META_FILE))) {
      const loc = { experimentId: id, expDir: dir, runDir };
      ctx.runLocations.set(runId, loc);
      return loc;
    }
  }
  throw notFound(`Run '${runId}' not found`);
}

function runMetaOrThrow(ctx: StoreContext, runId: string, loc: RunLocation): RunMeta {
  const meta = ctx.reader.readRunMeta(loc.runDir);
  if (!meta) throw notFound(`Run '${runId}' not found`);
  return meta;
}

/**
 * A run's location and meta.yaml. The cached location is checked by reading its meta.yaml (one
 * stat when cached), not by a separate existence check first; only a run not found there is looked
 * for in every experiment.
 */
export function runAt(ctx: StoreContext, runId: string): { loc: RunLocation; meta: RunMeta } {
  checkRunId(runId);
  const cached = ctx.runLocations.get(runId);
  const meta = cached && ctx.reader.readRunMeta(cached.runDir);
  if (cached && meta) return { loc: cached, meta };
  const loc = locateRun(ctx, runId);
  return { loc, meta: runMetaOrThrow(ctx, runId, loc) };
}

/** {@link runAt} for a run that must be active. */
export function activeRun(ctx: StoreContext, runId: string): { loc: RunLocation; meta: RunMeta } {
  const found = runAt(ctx, runId);
  checkActive(runId, found.meta);
  return found;
}

/**
 * The cached location of a run without touching the disk (a write under the run's lock finds out
 * soon enough if it moved), else the one found by looking.
 */
export function cachedRunLocation(ctx: StoreContext, runId: string): RunLocation {
  checkRunId(runId);
  return ctx.runLocations.get(runId) ?? locateRun(ctx, runId);
}
