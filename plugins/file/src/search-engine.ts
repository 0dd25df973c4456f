import * as core from '@labbook/core';
import type { FilterTree, Identifier, OrderByClause, PagedList, Run, SearchEntity, ViewType } from '@labbook/core';
import { LabbookError } from '@labbook/core';
import { MSG } from './constants.js';
import { fallbackRunPlan, fallbackSearch } from './search-fallback.js';

// Core's in-memory evaluator is resolved by name at call time, so this plugin keeps working across
// core versions that add or move these helpers (the plugin API is versioned, the helpers are not).
const lib = core as unknown as Record<string, unknown>;

function fn<T>(name: string): T {
  const f = lib[name] ?? fallbackSearch[name];
  if (typeof f !== 'function') {
    throw new LabbookError('NOT_IMPLEMENTED', `${MSG} @labbook/core does not provide ${name}; upgrade @labbook/core`);
  }
  return f as T;
}

/** Options passed to core's in-memory searches. */
export interface InMemorySearchOptions {
  experimentIds?: string[];
  viewType?: ViewType;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** Runs core's in-memory search named `name` over `items`. */
export function searchInMemory<T>(name: string, items: T[], options: InMemorySearchOptions): PagedList<T> {
  return fn<(items: T[], options: InMemorySearchOptions) => PagedList<T>>(name)(items, options);
}

/** Fields of runs that a filter or an order_by reads. */
export interface FieldNeeds {
  metrics: Set<string>;
  params: Set<string>;
  tags: Set<string>;
  datasets: boolean;
}

/**
 * What a runs search reads. Every run is loaded with only `filter` fields; when core can evaluate a
 * filter on one run, only the runs that match are loaded with the `order` fields too.
 */
export interface RunSearchPlan {
  filter: FieldNeeds;
  order: FieldNeeds;
  /** Evaluates the filter on a (partially loaded) run; undefined when there is no filter or no evaluator. */
  matches?: (run: Run) => boolean;
  /** False when the filter could not be analysed: load everything. */
  known: boolean;
}

function emptyNeeds(): FieldNeeds {
  return { metrics: new Set(), params: new Set(), tags: new Set(), datasets: false };
}

function addNeed(needs: FieldNeeds, id: Identifier): void {
  if (id.type === 'metric') needs.metrics.add(id.key);
  else if (id.type === 'param') needs.params.add(id.key);
  else if (id.type === 'tag') needs.tags.add(id.key);
  else if (id.type === 'dataset') needs.datasets = true;
  else if (id.type === 'attribute' && id.key === 'run_name') needs.tags.add('mlflow.runName');
}

/** Plans which fields a runs search loads for every run and which only for the runs that match. */
export function planRunSearch(filter: string | undefined, orderBy: string[] | undefined): RunSearchPlan {
  const plan: RunSearchPlan = { filter: emptyNeeds(), order: emptyNeeds(), known: true };
  const parseFilter = lib.parseFilter as ((e: SearchEntity, f: string) => FilterTree) | undefined;
  const parseOrderBy = lib.parseOrderBy as ((e: SearchEntity, o: string[]) => OrderByClause[]) | undefined;
  const compileRunFilter = lib.compileRunFilter as ((tree: FilterTree) => (run: Run) => boolean) | undefined;
  const matchOne = lib.runMatchesFilter as ((run: Run, tree: FilterTree) => boolean) | undefined;
  const runMatchesFilter =
    typeof compileRunFilter === 'function'
      ? (() => {
          // Compile once per search rather than interpret per run.
          let compiled: { tree: FilterTree; fn: (run: Run) => boolean } | undefined;
          return (run: Run, tree: FilterTree) => {
            if (compiled?.tree !== tree) compiled = { tree, fn: compileRunFilter(tree) };
            return compiled.fn(run);
          };
        })()
      : matchOne;
  if (typeof parseFilter !== 'function' || typeof parseOrderBy !== 'function') {
    if (typeof lib.searchRunsInMemory === 'function') {
      plan.known = false;
      return plan;
    }
    try {
      const fb = fallbackRunPlan(filter, orderBy);
      for (const id of fb.filterIds) addNeed(plan.filter, id as Identifier);
      for (const id of fb.orderIds) addNeed(fb.matches ? plan.order : plan.filter, id as Identifier);
      if (fb.matches) plan.matches = fb.matches;
    } catch {
      plan.known = false;
    }
    return plan;
  }
  // A parse error surfaces from the search itself with core's message; here it only means "load all".
  try {
    const tree = filter && filter.trim() !== '' ? parseFilter('runs', filter) : undefined;
    for (const c of tree?.clauses ?? []) addNeed(plan.filter, c.identifier);
    const order = orderBy && orderBy.length > 0 ? parseOrderBy('runs', orderBy) : [];
    // Without a per-run evaluator every run needs the order fields as well.
    const orderTarget = tree && typeof runMatchesFilter === 'function' ? plan.order : plan.filter;
    for (const o of order) addNeed(orderTarget, o.identifier);
    if (tree && typeof runMatchesFilter === 'function') plan.matches = (run) => runMatchesFilter(run, tree);
  } catch {
    plan.known = false;
  }
  return plan;
}

/** MLflow's page token: base64 of `{"offset": N}`. */
export function encodeOffsetToken(offset: number): string {
  const enc = lib.encodePageToken as ((o: number) => string) | undefined;
  if (typeof enc === 'function') return enc(offset);
  return Buffer.from(JSON.stringify({ offset }).replace(':', ': ')).toString('base64');
}

/** Offset from a page token (0 when absent). */
export function decodeOffsetToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const dec = lib.decodePageToken as ((t: string) => number) | undefined;
  if (typeof dec === 'function') return dec(token);
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw core.invalidParameter(`Invalid page token: '${token}'`, { field: 'page_token' });
}
