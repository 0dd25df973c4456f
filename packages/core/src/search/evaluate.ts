import type { LoggedModel } from '../entities/logged-model.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, Run } from '../entities/tracking.js';
import type { Comparison, FilterTree, OrderByClause, SearchEntity } from './ast.js';
import {
  experimentValue,
  loggedModelValue,
  onDatasets,
  modelVersionValue,
  registeredModelValue,
  runDatasetValues,
  runValue,
  type SearchValue,
  type ValueAccessor,
} from './accessors.js';
import { likeMatcher } from './like.js';

/** True when an item satisfies a compiled filter. */
export type Predicate<T> = (item: T) => boolean;

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

/** Orders two values of one sort key as MLflow does (real values, then NaN, then missing, in either direction). */
export function compareValues(a: SearchValue, b: SearchValue, ascending: boolean): number {
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

/** A predicate for a parsed filter over experiments. */
export function compileExperimentFilter(tree: FilterTree): Predicate<Experiment> {
  return all(tree.clauses.map((c) => compileClause(c, experimentValue)));
}

/** A predicate for a parsed filter over registered models. */
export function compileRegisteredModelFilter(tree: FilterTree): Predicate<RegisteredModel> {
  return all(tree.clauses.map(compileRegisteredModelClause));
}

/** A predicate for a parsed filter over model versions. */
export function compileModelVersionFilter(tree: FilterTree): Predicate<ModelVersion> {
  return all(tree.clauses.map((c) => compileClause(c, modelVersionValue)));
}

/**
 * A predicate for a parsed filter over logged models. With `datasets`, metric clauses read only
 * metrics on those datasets, and a filter without a metric clause keeps only models with a metric
 * on one of them (MLflow's SearchLoggedModelsUtils).
 */
export function compileLoggedModelFilter(
  tree: FilterTree,
  datasets: readonly { name: string; digest?: string }[] = [],
): Predicate<LoggedModel> {
  const clauses = tree.clauses.map((c) =>
    c.identifier.type === 'metric' && datasets.length > 0 ? { ...c, identifier: { ...c.identifier, datasets } } : c,
  );
  const base = all(clauses.map((c) => compileClause(c, loggedModelValue)));
  if (datasets.length === 0 || clauses.some((c) => c.identifier.type === 'metric')) return base;
  return (m) => m.data.metrics.some((p) => onDatasets(p, datasets)) && base(m);
}
