import { ViewType } from '../entities/enums.js';
import { invalidParameter } from '../errors.js';
import { validateMaxResults } from '../validation/values.js';
import type { OrderByClause, SearchEntity } from './ast.js';
import { ENTITY_RULES, type SearchItems } from './entity-rules.js';
import { decodePageToken } from './page-token.js';
import { parseFilter, parseOrderBy } from './parser.js';
import {
  addKey,
  emptyKeys,
  type ExperimentsQuery,
  type ModelVersionsQuery,
  type RegisteredModelsQuery,
  type RunsQuery,
  type SearchQuery,
} from './query.js';

/** A search request as callers write it (the REST API's fields). */
export interface SearchRequest {
  filter?: string;
  orderBy?: readonly string[];
  maxResults?: number;
  pageToken?: string;
}

const VIEW_TYPES = Object.values(ViewType);

/** The view type of a request, `ACTIVE_ONLY` when absent; anything else is INVALID_PARAMETER_VALUE naming `field`. */
export function checkedViewType(viewType: unknown, field: string): ViewType {
  if (viewType === undefined || viewType === null) return 'ACTIVE_ONLY';
  if (!VIEW_TYPES.includes(viewType as ViewType)) {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(viewType)} for parameter '${field}': expected one of ${VIEW_TYPES.join(', ')}.`,
      {
        field,
      },
    );
  }
  return viewType as ViewType;
}

function checkedOrderBy(orderBy: unknown): readonly string[] | undefined {
  if (orderBy === undefined || orderBy === null) return undefined;
  if (!Array.isArray(orderBy) || orderBy.some((o) => typeof o !== 'string')) {
    throw invalidParameter(`Invalid value for parameter 'order_by': expected a list of strings.`, { field: 'order_by' });
  }
  return orderBy as string[];
}

/**
 * Parses and checks a search once (positioned errors for the filter and order_by, `max_results`
 * against the entity's limit, the page token) and applies MLflow's defaults: the one place a search
 * string is read.
 */
export function buildQuery<E extends SearchEntity>(entity: E, request: SearchRequest = {}): SearchQuery<SearchItems[E]> {
  const rules = ENTITY_RULES[entity];
  validateMaxResults(request.maxResults, 'max_results', rules.maxResultsLimit);
  const orderByText = checkedOrderBy(request.orderBy);
  const filter = parseFilter(entity, request.filter);
  const orderBy = parseOrderBy(entity, orderByText);
  const offset = decodePageToken(request.pageToken);
  const maxResults = request.maxResults ?? rules.defaultMaxResults;
  const order: OrderByClause[] = [...(orderBy.length > 0 ? orderBy : rules.defaultOrder), ...rules.tieBreaks];
  const filterKeys = emptyKeys();
  const orderKeys = emptyKeys();
  for (const c of filter.clauses) addKey(filterKeys, c.identifier);
  for (const o of orderBy) addKey(orderKeys, o.identifier);
  const matches = rules.compile(filter) as (item: SearchItems[E]) => boolean;
  return {
    entity,
    filter,
    orderBy,
    order,
    reads: { filter: filterKeys, order: orderKeys },
    page: { maxResults, offset },
    matches,
    source: {
      ...(request.filter !== undefined && request.filter !== null ? { filter: request.filter } : {}),
      ...(orderByText ? { orderBy: orderByText } : {}),
      ...(request.pageToken ? { pageToken: request.pageToken } : {}),
      maxResults,
    },
  };
}

/** A runs query: {@link buildQuery} plus the experiments and view type. */
export function buildRunsQuery(request: SearchRequest & { experimentIds: readonly string[]; viewType?: ViewType }): RunsQuery {
  const viewType = checkedViewType(request.viewType, 'run_view_type');
  return { ...buildQuery('runs', request), entity: 'runs', experimentIds: request.experimentIds, viewType };
}

/** An experiments query. */
export function buildExperimentsQuery(request: SearchRequest & { viewType?: ViewType }): ExperimentsQuery {
  const viewType = checkedViewType(request.viewType, 'view_type');
  return { ...buildQuery('experiments', request), entity: 'experiments', viewType };
}

/** A registered models query. */
export function buildRegisteredModelsQuery(request: SearchRequest = {}): RegisteredModelsQuery {
  return { ...buildQuery('registered_models', request), entity: 'registered_models' };
}

/** A model versions query. */
export function buildModelVersionsQuery(request: SearchRequest = {}): ModelVersionsQuery {
  return { ...buildQuery('model_versions', request), entity: 'model_versions' };
}
