import { ViewType } from '../entities/enums.js';
import { invalidParameter } from '../errors.js';
import { validateMaxResults } from '../validation/values.js';
import type { OrderByClause, SearchEntity } from './ast.js';
import { ENTITY_RULES, type SearchItems } from './entity-rules.js';
import { decodePageToken } from './page-token.js';
import { parseFilter, parseOrderBy } from './parser.js';
import { ORDERABLE_ATTRIBUTES, ATTRIBUTE_ALIASES } from './grammar.js';
import type { LoggedModelOrderBy } from '../interfaces/tracking-store.js';
import { compileLoggedModelFilter } from './evaluate.js';
import {
  addKey,
  emptyKeys,
  type ExperimentsQuery,
  type LoggedModelsQuery,
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

function loggedModelOrderClause(entry: unknown, i: number): OrderByClause {
  const field = `order_by[${i}]`;
  if (typeof entry === 'string') return parseOrderBy('logged_models', [entry])[0]!;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw invalidParameter(
      `Invalid value for parameter '${field}': expected "metrics.<key> [ASC|DESC]" text or { field_name, ascending, dataset_name, dataset_digest }.`,
      { field },
    );
  }
  const o = entry as LoggedModelOrderBy;
  if (typeof o.fieldName !== 'string' || o.fieldName.trim() === '') {
    throw invalidParameter(`\`field_name\` in the \`order_by\` clause must be specified (${field}).`, { field: `${field}.field_name` });
  }
  if (o.ascending !== undefined && typeof o.ascending !== 'boolean') {
    throw invalidParameter(
      `Value of \`ascending\` in the \`order_by\` clause must be a boolean, got ${typeof o.ascending} for field ${o.fieldName}.`,
      {
        field: `${field}.ascending`,
      },
    );
  }
  if (o.datasetDigest && !o.datasetName) {
    throw invalidParameter('`dataset_digest` can only be specified if `dataset_name` is also specified.', {
      field: `${field}.dataset_digest`,
    });
  }
  const ascending = o.ascending ?? true;
  const name = o.fieldName.trim();
  const dot = name.indexOf('.');
  if (dot >= 0) {
    if (name.slice(0, dot) !== 'metrics') {
      throw invalidParameter(`Invalid order by field name: ${name.slice(0, dot)}, only \`metrics.<name>\` is allowed.`, {
        field: `${field}.field_name`,
      });
    }
    const datasets = o.datasetName ? [{ name: o.datasetName, ...(o.datasetDigest ? { digest: o.datasetDigest } : {}) }] : undefined;
    return { identifier: { type: 'metric', key: name.slice(dot + 1), ...(datasets ? { datasets } : {}) }, ascending };
  }
  const key = ATTRIBUTE_ALIASES.logged_models[name] ?? name;
  if (!ORDERABLE_ATTRIBUTES.logged_models.includes(key)) {
    throw invalidParameter(
      `Invalid order by field name: ${name}. Expected metrics.<name> or one of ${ORDERABLE_ATTRIBUTES.logged_models.join(', ')}.`,
      {
        field: `${field}.field_name`,
      },
    );
  }
  return { identifier: { type: 'attribute', key }, ascending };
}

/**
 * A logged models query. `orderBy` entries may be text (`"metrics.acc DESC"`) or MLflow's objects
 * (`{ fieldName, ascending, datasetName, datasetDigest }`); `datasets` restricts metric clauses.
 */
export function buildLoggedModelsQuery(request: {
  experimentIds: readonly string[];
  filter?: string;
  datasets?: readonly { datasetName: string; datasetDigest?: string }[];
  orderBy?: readonly unknown[];
  maxResults?: number;
  pageToken?: string;
}): LoggedModelsQuery {
  if (request.orderBy !== undefined && request.orderBy !== null && !Array.isArray(request.orderBy)) {
    throw invalidParameter(`Invalid value for parameter 'order_by': expected a list.`, { field: 'order_by' });
  }
  const datasets = (request.datasets ?? []).map((d, i) => {
    if (typeof d?.datasetName !== 'string' || d.datasetName === '') {
      throw invalidParameter(`Invalid value for parameter 'datasets[${i}].dataset_name': expected a dataset name.`, {
        field: `datasets[${i}].dataset_name`,
      });
    }
    return { name: d.datasetName, ...(d.datasetDigest ? { digest: d.datasetDigest } : {}) };
  });
  const orderBy = (request.orderBy ?? []).map(loggedModelOrderClause);
  const { orderBy: _text, ...rest } = request;
  const base = buildQuery('logged_models', { ...rest });
  const rules = ENTITY_RULES.logged_models;
  // MLflow appends each tie-break only when the caller did not order by it.
  const tieBreaks = rules.tieBreaks.filter(
    (t) => !orderBy.some((o) => o.identifier.type === 'attribute' && o.identifier.key === t.identifier.key),
  );
  const orderKeys = emptyKeys();
  for (const o of orderBy) addKey(orderKeys, o.identifier);
  return {
    ...base,
    entity: 'logged_models',
    orderBy,
    order: [...orderBy, ...tieBreaks],
    reads: { filter: base.reads.filter, order: orderKeys },
    matches: compileLoggedModelFilter(base.filter, datasets),
    experimentIds: request.experimentIds,
    datasets,
    ...(request.orderBy ? { sourceOrderBy: request.orderBy } : {}),
  };
}
