import { sep } from 'node:path';
import { invalidParameter, matchesViewType, type Run } from '@labbook/core/plugin';
import type { QueryKeys, RunsQuery, SearchAnswer } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { searchedExperimentDirs } from './experiment-lookup.js';
import { listRunDirs } from './run-lookup.js';
import { safeRunMeta } from './run-meta.js';
import { readRunOutputs } from './run-outputs.js';
import type { RunMeta } from './run-reader.js';
import type { StoreContext } from './store-context.js';

/** The files of a run that a part of a query reads. */
interface FieldNeeds {
  metrics: ReadonlySet<string>;
  params: ReadonlySet<string>;
  tags: ReadonlySet<string>;
  datasets: boolean;
}

const NONE: FieldNeeds = { metrics: new Set(), params: new Set(), tags: new Set(), datasets: false };

// `run_name` is read from the `mlflow.runName` tag when meta.yaml lacks it (MLflow before 2.x).
function needsOf(keys: QueryKeys): FieldNeeds {
  const tags = keys.attributes.has('run_name') ? new Set([...keys.tags, 'mlflow.runName']) : keys.tags;
  return { metrics: keys.metrics, params: keys.params, tags, datasets: keys.datasets };
}

function union(a: FieldNeeds, b: FieldNeeds): FieldNeeds {
  return {
    metrics: new Set([...a.metrics, ...b.metrics]),
    params: new Set([...a.params, ...b.params]),
    tags: new Set([...a.tags, ...b.tags]),
    datasets: a.datasets || b.datasets,
  };
}

/**
 * Answers a runs query with candidates, in two passes: every run of the experiments is loaded with
 * only what the filter reads (stat-validated reads, cheap when warm) and tested with core's compiled
 * filter; the runs that match also get what the order reads. Core orders and pages them, and only the
 * page's runs are then loaded in full.
 */
export async function searchRuns(ctx: StoreContext, query: RunsQuery): Promise<SearchAnswer<Run>> {
  await ctx.init();
  const filtering = query.filter.clauses.length > 0;
  // Without a filter every run is a match: load the order fields in the first pass.
  const first = filtering ? needsOf(query.reads.filter) : union(needsOf(query.reads.filter), needsOf(query.reads.order));
  const second = filtering ? needsOf(query.reads.order) : NONE;
  for (const needs of [first, second]) {
    for (const set of [needs.metrics, needs.params, needs.tags]) for (const key of set) keyRelativePath(key);
  }
  const candidates: Run[] = [];
  // By run id, not object identity: the evaluator may return copies.
  const where = new Map<string, { runDir: string; expDir: string }>();
  for (const found of searchedExperimentDirs(ctx, query.experimentIds)) {
    for (const runDir of listRunDirs(ctx, found.dir)) {
      const meta = safeRunMeta(ctx, runDir);
      if (!meta || !matchesViewType(meta.info.lifecycleStage, query.viewType)) continue;
      const run = partialRun(ctx, runDir, found.dir, meta, first);
      if (filtering && !query.matches(run)) continue;
      addFields(ctx, run, runDir, found.dir, second);
      candidates.push(run);
      where.set(run.info.runId, { runDir, expDir: found.dir });
    }
  }
  return {
    kind: 'candidates',
    items: candidates,
    filtered: true,
    complete: (page) => {
      const items: Run[] = [];
      for (const partial of page) {
        const at = where.get(partial.info.runId);
        const run = at && fullRunSafe(ctx, at.runDir, at.expDir);
        if (run) items.push(run);
      }
      return items;
    },
  };
}

function fullRunSafe(ctx: StoreContext, runDir: string, expDir: string): Run | undefined {
  try {
    const run = ctx.reader.readRun(runDir, expDir);
    const modelOutputs = run ? readRunOutputs(ctx, runDir) : [];
    if (run && modelOutputs.length > 0) run.outputs = { modelOutputs };
    return run;
  } catch (error) {
    ctx.reader.warnOnce(`${MSG} skipping run folder ${runDir}: ${(error as Error).message}`);
    return undefined;
  }
}

function partialRun(ctx: StoreContext, runDir: string, expDir: string, meta: RunMeta, needs: FieldNeeds): Run {
  const run: Run = { info: meta.info, data: { metrics: [], params: [], tags: [] }, inputs: { datasetInputs: [] } };
  addFields(ctx, run, runDir, expDir, needs);
  if (!meta.hasRunName) {
    const name =
      run.data.tags.find((t) => t.key === 'mlflow.runName')?.value ?? ctx.reader.readValue(`${runDir}${sep}tags${sep}mlflow.runName`);
    run.info = { ...meta.info, runName: name ?? '' };
  }
  return run;
}

/** Loads the named fields into a partially loaded run (keys were checked by keyRelativePath). */
function addFields(ctx: StoreContext, run: Run, runDir: string, expDir: string, needs: FieldNeeds): void {
  for (const key of needs.metrics) {
    const m = ctx.reader.readLatestMetric(`${runDir}${sep}metrics${sep}${keyRelativePath(key)}`, key);
    if (m) run.data.metrics.push(m);
  }
  for (const key of needs.params) {
    const value = ctx.reader.readParamValue(`${runDir}${sep}params${sep}${keyRelativePath(key)}`);
    if (value !== undefined) run.data.params.push({ key, value });
  }
  for (const key of needs.tags) {
    const value = ctx.reader.readValue(`${runDir}${sep}tags${sep}${keyRelativePath(key)}`);
    if (value !== undefined) run.data.tags.push({ key, value });
  }
  if (needs.datasets && run.inputs.datasetInputs.length === 0) run.inputs.datasetInputs = ctx.reader.readRunInputs(runDir, expDir);
}

const relativeKeyCache = new Map<string, string>();

/**
 * The relative file path of a metric/param/tag key, checked to stay inside its folder (core validates
 * keys first; this is the defensive second check, memoised because searches call it per run).
 */
function keyRelativePath(key: string): string {
  let rel = relativeKeyCache.get(key);
  if (rel !== undefined) return rel;
  const parts = key.split('/');
  if (key.includes('\0') || key.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw invalidParameter(`${MSG} key '${key}' does not name a path inside the run folder`);
  }
  rel = parts.join(sep);
  if (relativeKeyCache.size > 10_000) relativeKeyCache.clear();
  relativeKeyCache.set(key, rel);
  return rel;
}
