/**
 * The typed tree that the search parser produces and that every backend consumes: the in-memory
 * evaluator, and SQL compilers in plugins. One grammar, one parser, several executors.
 */

/** What is being searched; each has its own identifiers and comparators (mlflow-compat §6). */
export type SearchEntity = 'runs' | 'experiments' | 'registered_models' | 'model_versions' | 'logged_models';

/** Kind of identifier, after aliases are resolved (`metrics` → `metric`, `params` → `param`, `attr` → `attribute`). */
export type IdentifierType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/**
 * A resolved identifier. For attributes `key` is canonical: `created` → `start_time`, `run name` →
 * `run_name`, `source_path` stays `source_path` (stores map it to their column).
 */
export interface Identifier {
  type: IdentifierType;
  key: string;
  /** Logged-model metrics only: read the metric's values on these datasets (any of them). */
  datasets?: readonly { name: string; digest?: string }[];
}

/** Comparison operators, upper-cased. */
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** The right-hand side of a comparison. */
export type Literal = { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'list'; values: string[] };

/** One `<identifier> <comparator> <value>` clause. `position` is its 0-based offset in the filter. */
export interface Comparison {
  identifier: Identifier;
  comparator: Comparator;
  value: Literal;
  position: number;
}

/** A parsed filter: clauses joined by AND (MLflow's grammar has no OR). Empty = match everything. */
export interface FilterTree {
  entity: SearchEntity;
  clauses: Comparison[];
}

/** One parsed `order_by` entry. */
export interface OrderByClause {
  identifier: Identifier;
  ascending: boolean;
}
