import type { ViewType } from '../entities/enums.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { LoggedModel } from '../entities/logged-model.js';
import type { Experiment, PagedList, Run } from '../entities/tracking.js';
import type { FilterTree, Identifier, OrderByClause, SearchEntity } from './ast.js';

/**
 * The keys one part of a query reads, by kind, so a store loads no more than the query needs (the
 * file store reads only these files of each run; a SQL store joins only these keys).
 */
export interface QueryKeys {
  metrics: ReadonlySet<string>;
  params: ReadonlySet<string>;
  tags: ReadonlySet<string>;
  /** Attribute names as the grammar spells them after aliases (`start_time`, `run_name`…). */
  attributes: ReadonlySet<string>;
  /** True when a `dataset.*` clause reads the run's inputs. */
  datasets: boolean;
}

/** The page a query asks for: `offset` is what the page token held (0 without one). */
export interface PageRequest {
  maxResults: number;
  offset: number;
}

/**
 * A search as core hands it to a store: parsed and checked once, with MLflow's defaults applied. A
 * store answers it natively ({@link SearchAnswer} `page`) or returns candidates for core to filter,
 * order and page with the shared evaluator; it never parses a filter string or picks a default.
 */
export interface SearchQuery<T> {
  entity: SearchEntity;
  /** The parsed filter: clauses joined by AND; no clauses means everything. */
  filter: FilterTree;
  /** The caller's `order_by`, parsed. */
  orderBy: readonly OrderByClause[];
  /** `orderBy` followed by MLflow's default order and tie-breaks: the complete sort a store must reproduce. */
  order: readonly OrderByClause[];
  /** The keys the filter reads and the keys the order reads. */
  reads: { filter: QueryKeys; order: QueryKeys };
  page: PageRequest;
  /** The shared evaluator compiled for this filter: true when an item (loaded with at least `reads.filter`) matches. */
  matches(item: T): boolean;
  /**
   * The request as the caller wrote it, for a store that forwards a search elsewhere (the REST store)
   * rather than answering it. Already checked: forwarding it cannot fail where parsing did not.
   */
  source: { filter?: string; orderBy?: readonly string[]; pageToken?: string; maxResults: number };
  /** Logged models: `order_by` as the caller gave it (text or MLflow's objects). */
  sourceOrderBy?: readonly unknown[];
}

/** A runs search: which experiments and lifecycle stages, then the query. */
export interface RunsQuery extends SearchQuery<Run> {
  entity: 'runs';
  experimentIds: readonly string[];
  viewType: ViewType;
}

/** An experiments search. */
export interface ExperimentsQuery extends SearchQuery<Experiment> {
  entity: 'experiments';
  viewType: ViewType;
}

/** A registered models search. */
export interface RegisteredModelsQuery extends SearchQuery<RegisteredModel> {
  entity: 'registered_models';
}

/** A logged models search: which experiments, and the datasets metric clauses are restricted to. */
export interface LoggedModelsQuery extends SearchQuery<LoggedModel> {
  entity: 'logged_models';
  experimentIds: readonly string[];
  datasets: readonly { name: string; digest?: string }[];
}

/** A model versions search. */
export interface ModelVersionsQuery extends SearchQuery<ModelVersion> {
  entity: 'model_versions';
}

/**
 * How a store answers a {@link SearchQuery}:
 * - `page`: the store filtered, ordered and paged natively (SQL) and this is the result;
 * - `candidates`: a superset of the matches (already limited to the query's experiments and view
 *   type), each loaded with at least the keys in `reads`; core filters (unless `filtered` says the
 *   store applied `matches` itself), orders and pages them, then passes the page's items to
 *   `complete`, when given, for the store to load them in full.
 */
export type SearchAnswer<T> =
  | { kind: 'page'; page: PagedList<T> }
  | {
      kind: 'candidates';
      items: readonly T[];
      filtered?: boolean;
      complete?: (page: T[]) => T[] | Promise<T[]>;
    };

/** The keys an identifier reads, added to `keys`. */
export function addKey(keys: MutableQueryKeys, id: Identifier): void {
  if (id.type === 'metric') keys.metrics.add(id.key);
  else if (id.type === 'param') keys.params.add(id.key);
  else if (id.type === 'tag') keys.tags.add(id.key);
  else if (id.type === 'attribute') keys.attributes.add(id.key);
  else if (id.type === 'dataset') keys.datasets = true;
}

/** {@link QueryKeys} while being collected. */
export interface MutableQueryKeys {
  metrics: Set<string>;
  params: Set<string>;
  tags: Set<string>;
  attributes: Set<string>;
  datasets: boolean;
}

/** Keys that read nothing. */
export function emptyKeys(): MutableQueryKeys {
  return { metrics: new Set(), params: new Set(), tags: new Set(), attributes: new Set(), datasets: false };
}
