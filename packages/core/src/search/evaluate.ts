import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, PagedList, Run } from '../entities/tracking.js';
import { DEFAULTS } from '../validation/limits.js';
import type { Comparison, FilterTree, OrderByClause, SearchEntity } from './ast.js';
import {
  experimentValue,
  modelVersionValue,
  registeredModelValue,
  runDatasetValues,
  runValue,
  type SearchValue,
  type ValueAccessor,
} from './accessors.js';
import { likeMatcher } from './like.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { parseFilter, parseOrderBy } from './parser.js';

type Predicate<T> = (item: T) => boolean;

/** Compares one value against a clause the way MLflow's in-memory (FileStore) search does. */
function valueMatches(lhs: SearchValue, clause: Comparison): boolean {
  if (lhs === undefined) return false;
  const { comparator, value } = clause;
  if (value.kind === 'list') {
    const inList = value.values.includes(String(lhs));
    return comparator === 'IN' ? inList : !inList;
  }
  if (comparator === 'LIKE' || comparator === 'ILIKE') {
    return likeMatcher(String(value.value), comparator === 'ILIKE')(String(lhs));
  }
  const rhs = value.value;
  // Python semantics: every comparison with NaN is false except !=.
  switch (comparator) {
    case '=':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    default:
      return false;
  }
}

function compileClause<T>(clause: Comparison, access: ValueAccessor<T>): Predicate<T> {
  const id = clause.identifier;
  return (item) => valueMatches(access(item, id), clause);
}

function compileRunClause(clause: Comparison): Predicate<Run> {
  if (clause.identifier.type !== 'dataset') return compileClause(clause, runValue);
  const key = clause.identifier.key;
  return (run) => runDatasetValues(run, key).some((v) => valueMatches(v, clause));
}

function compileRegisteredModelClause(clause: Comparison): Predicate<RegisteredModel> {
  const base = compileClause(clause, registeredModelValue);
  const { identifier, comparator, value } = clause;
  // MLflow treats models without the prompt tag as "not a prompt".
  if (identifier.type === 'tag' && identifier.key === 'mlflow.prompt.is_prompt' && value.kind === 'string') {
    const missingMatches = (comparator === '=' && value.value === 'false') || (comparator === '!=' && value.value === 'true');
    if (missingMatches) {
      return (m) => (m.tags.some((t) => t.key === identifier.key) ? base(m) : true);
    }
  }
  return base;
}

function all<T>(predicates: Predicate<T>[]): Predicate<T> {
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0]!;
  return (item) => {
    for (const p of predicates) if (!p(item)) return false;
    return true;
  };
}

/** A predicate for a parsed filter over runs. */
export function compileRunFilter(tree: FilterTree): Predicate<Run> {
  return all(tree.clauses.map(compileRunClause));
}

/** True when a run satisfies every clause of a parsed runs filter. */
export function runMatchesFilter(run: Run, tree: FilterTree): boolean {
  return compileRunFilter(tree)(run);
}

// Real values first, then NaN, then missing keys, whichever the direction (MLflow's ordering).
function rank(v: SearchValue): number {
  if (v === undefined) return 2;
  if (typeof v === 'number' && Number.isNaN(v)) return 1;
  return 0;
}

function compareValues(a: SearchValue, b: SearchValue, ascending: boolean): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra !== 0) return ra - rb;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a - b;
  else {
    const sa = String(a);
    const sb = String(b);
    c = sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return ascending ? c : -c;
}

/** A comparator over `items` by clauses, with tie-breaks appended. */
export function compareBy<T>(access: ValueAccessor<T>, clauses: OrderByClause[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const { identifier, ascending } of clauses) {
      const c = compareValues(access(a, identifier), access(b, identifier), ascending);
      if (c !== 0) return c;
    }
    return 0;
  };
}

const START_TIME_DESC: OrderByClause = { identifier: { type: 'attribute', key: 'start_time' }, ascending: false };
const RUN_ID_ASC: OrderByClause = { identifier: { type: 'attribute', key: 'run_id' }, ascending: true };

/** MLflow's run ordering: the clauses, then start_time DESC, then run_id ASC. */
export function compareRunsBy(orderBy: OrderByClause[]): (a: Run, b: Run) => number {
  return compareBy(runValue, [...orderBy, START_TIME_DESC, RUN_ID_ASC]);
}

/** Options of the in-memory searches. */
export interface InMemorySearchOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

function page<T>(sorted: T[], maxResults: number, pageToken: string | undefined): PagedList<T> {
  const offset = decodePageToken(pageToken);
  const items = sorted.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < sorted.length ? { items, nextPageToken: encodePageToken(next) } : { items };
}

function search<T>(
  entity: SearchEntity,
  items: readonly T[],
  options: InMemorySearchOptions,
  predicateOf: (tree: FilterTree) => Predicate<T>,
  access: ValueAccessor<T>,
  clausesOf: (orderBy: OrderByClause[]) => OrderByClause[],
  defaultMax: number,
): PagedList<T> {
  const predicate = predicateOf(parseFilter(entity, options.filter));
  const clauses = clausesOf(parseOrderBy(entity, options.orderBy));
  decodePageToken(options.pageToken);
  // Read each sort key once per item rather than once per comparison.
  const decorated: { item: T; keys: SearchValue[] }[] = [];
  for (const item of items) {
    if (predicate(item)) decorated.push({ item, keys: clauses.map((c) => access(item, c.identifier)) });
  }
  decorated.sort((a, b) => {
    for (let i = 0; i < clauses.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], clauses[i]!.ascending);
      if (c !== 0) return c;
    }
    return 0;
  });
  return page(
    decorated.map((d) => d.item),
    options.maxResults ?? defaultMax,
    options.pageToken,
  );
}

/**
 * Filters, orders and pages runs in memory, as MLflow's FileStore does (the caller has already
 * applied experiment ids and view type). A next-page token is returned only when more runs exist.
 */
export function searchRunsInMemory(runs: readonly Run[], options: InMemorySearchOptions = {}): PagedList<Run> {
  return search(
    'runs',
    runs,
    options,
    compileRunFilter,
    runValue,
    (o) => [...o, START_TIME_DESC, RUN_ID_ASC],
    DEFAULTS.searchRunsMaxResults,
  );
}

/** Experiments in memory; default order `creation_time DESC`, tie-break `experiment_id ASC`. */
export function searchExperimentsInMemory(experiments: readonly Experiment[], options: InMemorySearchOptions = {}): PagedList<Experiment> {
  const tieBreak: OrderByClause = { identifier: { type: 'attribute', key: 'experiment_id' }, ascending: true };
  return search(
    'experiments',
    experiments,
    options,
    (tree) => all(tree.clauses.map((c) => compileClause(c, experimentValue))),
    experimentValue,
    (orderBy) => [
      ...(orderBy.length > 0 ? orderBy : [{ identifier: { type: 'attribute', key: 'creation_time' }, ascending: false } as OrderByClause]),
      tieBreak,
    ],
    DEFAULTS.searchExperimentsMaxResults,
  );
}

/** Registered models in memory; tie-break `name ASC`. */
export function searchRegisteredModelsInMemory(
  models: readonly RegisteredModel[],
  options: InMemorySearchOptions = {},
): PagedList<RegisteredModel> {
  const byName: OrderByClause = { identifier: { type: 'attribute', key: 'name' }, ascending: true };
  return search(
    'registered_models',
    models,
    options,
    (tree) => all(tree.clauses.map(compileRegisteredModelClause)),
    registeredModelValue,
    (orderBy) => [...orderBy, byName],
    DEFAULTS.searchRegisteredModelsMaxResults,
  );
}

/** Model versions in memory; tie-breaks `name ASC`, `version_number DESC`. */
export function searchModelVersionsInMemory(
  versions: readonly ModelVersion[],
  options: InMemorySearchOptions = {},
): PagedList<ModelVersion> {
  const tieBreaks: OrderByClause[] = [
    { identifier: { type: 'attribute', key: 'name' }, ascending: true },
    { identifier: { type: 'attribute', key: 'version_number' }, ascending: false },
  ];
  return search(
    'model_versions',
    versions,
    options,
    (tree) => all(tree.clauses.map((c) => compileClause(c, modelVersionValue))),
    modelVersionValue,
    (orderBy) => [...orderBy, ...tieBreaks],
    DEFAULTS.searchModelVersionsMaxResults,
  );
}
