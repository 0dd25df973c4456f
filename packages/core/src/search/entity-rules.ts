import type { LoggedModel } from '../entities/logged-model.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, Run } from '../entities/tracking.js';
import { DEFAULTS, LIMITS } from '../validation/limits.js';
import type { FilterTree, OrderByClause, SearchEntity } from './ast.js';
import { experimentValue, loggedModelValue, modelVersionValue, registeredModelValue, runValue, type ValueAccessor } from './accessors.js';
import {
  compileExperimentFilter,
  compileLoggedModelFilter,
  compileModelVersionFilter,
  compileRegisteredModelFilter,
  compileRunFilter,
  type Predicate,
} from './evaluate.js';

/** The entities each search returns. */
export interface SearchItems {
  runs: Run;
  experiments: Experiment;
  registered_models: RegisteredModel;
  model_versions: ModelVersion;
  logged_models: LoggedModel;
}

/** What core knows of one searchable entity: how to read it, filter it, order it and page it. */
export interface EntityRules<T> {
  access: ValueAccessor<T>;
  compile: (tree: FilterTree) => Predicate<T>;
  /** The order when the caller gives none (MLflow's default). */
  defaultOrder: readonly OrderByClause[];
  /** Appended after the caller's order, so pages are stable. */
  tieBreaks: readonly OrderByClause[];
  /** `max_results` when absent, and its largest accepted value. */
  defaultMaxResults: number;
  maxResultsLimit: number;
}

const attr = (key: string, ascending: boolean): OrderByClause => ({ identifier: { type: 'attribute', key }, ascending });

/** One table of every search's defaults, limits and orders (MLflow's stores), read by the query builder and the evaluator. */
export const ENTITY_RULES: { readonly [E in SearchEntity]: EntityRules<SearchItems[E]> } = {
  runs: {
    access: runValue,
    compile: compileRunFilter,
    defaultOrder: [],
    tieBreaks: [attr('start_time', false), attr('run_id', true)],
    defaultMaxResults: DEFAULTS.searchRunsMaxResults,
    maxResultsLimit: LIMITS.searchRunsMaxResults,
  },
  experiments: {
    access: experimentValue,
    compile: compileExperimentFilter,
    defaultOrder: [attr('creation_time', false)],
    tieBreaks: [attr('experiment_id', true)],
    defaultMaxResults: DEFAULTS.searchExperimentsMaxResults,
    maxResultsLimit: LIMITS.searchExperimentsMaxResults,
  },
  registered_models: {
    access: registeredModelValue,
    compile: compileRegisteredModelFilter,
    defaultOrder: [],
    tieBreaks: [attr('name', true)],
    defaultMaxResults: DEFAULTS.searchRegisteredModelsMaxResults,
    maxResultsLimit: LIMITS.searchRegisteredModelsMaxResults,
  },
  model_versions: {
    access: modelVersionValue,
    compile: compileModelVersionFilter,
    defaultOrder: [],
    tieBreaks: [attr('name', true), attr('version_number', false)],
    defaultMaxResults: DEFAULTS.searchModelVersionsMaxResults,
    maxResultsLimit: LIMITS.searchModelVersionsMaxResults,
  },
  logged_models: {
    access: loggedModelValue,
    compile: (tree) => compileLoggedModelFilter(tree),
    defaultOrder: [],
    tieBreaks: [attr('creation_timestamp', false), attr('model_id', true)],
    defaultMaxResults: DEFAULTS.searchLoggedModelsMaxResults,
    maxResultsLimit: LIMITS.searchLoggedModelsMaxResults,
  },
};
