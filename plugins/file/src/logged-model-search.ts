import { join, sep } from 'node:path';
import type { LoggedModel, LoggedModelsQuery, Metric, QueryKeys, SearchAnswer } from '@labbook/core/plugin';
import { searchedExperimentDirs } from './experiment-lookup.js';
import { type LoggedModelMeta, modelReader } from './logged-model-files.js';
import { listModelDirs } from './logged-model-folders.js';
import type { StoreContext } from './store-context.js';
import { containedPath } from './uri.js';

/** The files of a model that a part of a query reads; `allMetrics` when every metric file is needed. */
interface Needs {
  metrics: ReadonlySet<string>;
  params: ReadonlySet<string>;
  tags: ReadonlySet<string>;
  allMetrics: boolean;
}

function needsOf(keys: QueryKeys, allMetrics = false): Needs {
  return { metrics: keys.metrics, params: keys.params, tags: keys.tags, allMetrics };
}

function union(a: Needs, b: Needs): Needs {
  return {
    metrics: new Set([...a.metrics, ...b.metrics]),
    params: new Set([...a.params, ...b.params]),
    tags: new Set([...a.tags, ...b.tags]),
    allMetrics: a.allMetrics || b.allMetrics,
  };
}

const NONE: Needs = { metrics: new Set(), params: new Set(), tags: new Set(), allMetrics: false };

/**
 * Answers a logged-models query with candidates of its experiments (deleted models left out), in two
 * passes like the runs search: every model is loaded with only the files the filter reads (meta.yaml
 * and those metric, param and tag files, through stat-validated caches) and tested with core's
 * compiled filter; matches then get what the order reads. Core orders and pages them, and only the
 * page's models are loaded in full.
 */
export async function searchLoggedModels(ctx: StoreContext, query: LoggedModelsQuery): Promise<SearchAnswer<LoggedModel>> {
  await ctx.init();
  const filtering = query.filter.clauses.length > 0;
  // With datasets but no metric clause, a model matches only with some metric on them: any file may tell.
  const datasetsOnly = query.datasets.length > 0 && query.reads.filter.metrics.size === 0;
  const filterNeeds = needsOf(query.reads.filter, datasetsOnly);
  const orderNeeds = needsOf(query.reads.order);
  const needsFilter = filtering || datasetsOnly;
  const first = needsFilter ? filterNeeds : union(filterNeeds, orderNeeds);
  const second = needsFilter ? orderNeeds : NONE;
  const reader = modelReader(ctx);
  const candidates: LoggedModel[] = [];
  const where = new Map<string, { dir: string; meta: LoggedModelMeta }>();
  for (const found of searchedExperimentDirs(ctx, query.experimentIds)) {
    for (const { id, dir } of listModelDirs(ctx, found.dir)) {
      const meta = reader.meta(dir, id);
      if (!meta || meta.deleted) continue;
      const model: LoggedModel = { info: { ...meta.info, tags: [] }, data: { params: [], metrics: [] } };
      addFields(ctx, model, dir, first);
      if (needsFilter && !query.matches(model)) continue;
      addFields(ctx, model, dir, second);
      candidates.push(model);
      where.set(meta.info.modelId, { dir, meta });
    }
  }
  return {
    kind: 'candidates',
    items: candidates,
    filtered: true,
    complete: (page) => {
      const out: LoggedModel[] = [];
      for (const partial of page) {
        const at = where.get(partial.info.modelId);
        if (at) out.push(reader.full(at.dir, at.meta));
      }
      return out;
    },
  };
}

/** Loads the named files into a partly loaded model (each key file once). */
function addFields(ctx: StoreContext, model: LoggedModel, dir: string, needs: Needs): void {
  const reader = modelReader(ctx);
  const id = model.info.modelId;
  const haveMetrics = new Set(model.data.metrics.map((m) => m.key));
  if (needs.allMetrics) {
    for (const [key, path] of ctx.reader.listKeys(join(dir, 'metrics'))) {
      if (!haveMetrics.has(key)) pushAll(model.data.metrics, reader.metricPoints(path, key, id));
      haveMetrics.add(key);
    }
  }
  for (const key of needs.metrics) {
    if (haveMetrics.has(key)) continue;
    pushAll(model.data.metrics, reader.metricPoints(keyPath(dir, 'metrics', key), key, id));
    haveMetrics.add(key);
  }
  for (const key of needs.params) {
    if (model.data.params.some((p) => p.key === key)) continue;
    const value = ctx.reader.readParamValue(keyPath(dir, 'params', key));
    if (value !== undefined) model.data.params.push({ key, value });
  }
  for (const key of needs.tags) {
    if (model.info.tags.some((t) => t.key === key)) continue;
    const value = ctx.reader.readValue(keyPath(dir, 'tags', key));
    if (value !== undefined) model.info.tags.push({ key, value });
  }
}

function pushAll(into: Metric[], points: readonly Metric[]): void {
  for (const p of points) into.push(p);
}

const paths = new Map<string, string>();

/** `<dir>/<folder>/<key>`, checked to stay inside the folder (keys with `/` are nested folders). */
function keyPath(dir: string, folder: string, key: string): string {
  const cacheKey = `${folder}\0${key}`;
  let rel = paths.get(cacheKey);
  if (rel === undefined) {
    const base = `${sep}m${sep}${folder}`;
    rel = containedPath(base, key).slice(base.length);
    if (paths.size > 10_000) paths.clear();
    paths.set(cacheKey, rel);
  }
  return `${dir}${sep}${folder}${rel}`;
}
