import type { FilterTree, OrderByClause } from '@labbook/core/plugin';
import { invalidParameter } from '@labbook/core/plugin';
import { placeholders, type SqlDialect } from './dialect.js';
import { type CompiledSql, finiteColumnCondition, numberOf, numericOperator, rowCount, stringCondition } from './runs-search-sql.js';

/** A dataset a metric point must be on: by name, and by digest too when given. */
export interface DatasetRestriction {
  name: string;
  digest?: string;
}

/**
 * `status` is an integer in the table but a name in the grammar: this spells the column as the name,
 * so string comparisons and ordering agree with core's evaluator (and the file store).
 */
const STATUS_NAME =
  "CASE lm.status WHEN 0 THEN 'LOGGED_MODEL_STATUS_UNSPECIFIED' WHEN 1 THEN 'LOGGED_MODEL_PENDING' WHEN 2 THEN 'LOGGED_MODEL_READY' WHEN 3 THEN 'LOGGED_MODEL_UPLOAD_FAILED' END";

/** Logged-model attributes a filter or order may name → their expression. Nothing else reaches the SQL text. */
const ATTRIBUTE_EXPRESSIONS: Readonly<Record<string, string>> = {
  name: 'lm.name',
  model_id: 'lm.model_id',
  model_type: 'lm.model_type',
  source_run_id: 'lm.source_run_id',
  status: STATUS_NAME,
  creation_timestamp: 'lm.creation_timestamp_ms',
  last_updated_timestamp: 'lm.last_updated_timestamp_ms',
};
const NUMERIC_ATTRIBUTES = new Set(['creation_timestamp', 'last_updated_timestamp']);

function attributeExpression(key: string): string {
  const expr = ATTRIBUTE_EXPRESSIONS[key];
  if (expr === undefined) {
    throw invalidParameter(
      `Invalid attribute key '${key}' for logged models: expected one of ${Object.keys(ATTRIBUTE_EXPRESSIONS).join(', ')}.`,
      {
        field: 'filter',
      },
    );
  }
  return expr;
}

/** `AND (point on one of the datasets)` for alias `a`, or nothing without datasets. */
function datasetCondition(d: SqlDialect, alias: string, datasets: readonly DatasetRestriction[], values: unknown[]): string {
  if (datasets.length === 0) return '';
  const parts = datasets.map((ds) => {
    values.push(ds.name);
    if (ds.digest === undefined) return `${d.exact(`${alias}.dataset_name`)} = ?`;
    values.push(ds.digest);
    return `(${d.exact(`${alias}.dataset_name`)} = ? AND ${d.exact(`${alias}.dataset_digest`)} = ?)`;
  });
  return ` AND (${parts.join(' OR ')})`;
}

/** Points of one metric of the current model (alias `lm`), optionally on some datasets. */
function metricPoints(d: SqlDialect, alias: string, key: string, datasets: readonly DatasetRestriction[], values: unknown[]): string {
  const name = d.exactEquals(`${alias}.metric_name`, key, values);
  const ds = datasetCondition(d, alias, datasets, values);
  return `FROM logged_model_metrics ${alias} WHERE ${alias}.model_id = lm.model_id AND ${name}${ds}`;
}

/**
 * The latest value (by timestamp, then step) of a metric: the primary key (model_id, metric_name,
 * timestamp, step, run_id) serves this as a short backward index scan. NaN is stored as NULL.
 */
function latestValue(d: SqlDialect, alias: string, key: string, datasets: readonly DatasetRestriction[], values: unknown[]): string {
  return `(SELECT ${alias}.metric_value ${metricPoints(d, alias, key, datasets, values)} ORDER BY ${alias}.metric_timestamp_ms DESC, ${alias}.metric_step DESC LIMIT 1)`;
}

/** Options of {@link compileLoggedModelSearch}. */
export interface LoggedModelSearchQuery {
  experimentIds: number[];
  filter: FilterTree;
  /** Metric clauses read only points on these datasets; without a metric clause, a model needs a point on one. */
  datasets: readonly DatasetRestriction[];
  /** The complete order, tie-breaks included (the query's `order`). */
  order: readonly OrderByClause[];
  limit: number;
  offset: number;
}

/**
 * One SELECT for one page of logged models, deleted ones excluded: a correlated subquery per metric
 * clause (the latest value, as core's evaluator reads it), EXISTS per param/tag clause, and the
 * query's complete order (real values, then NaN, then missing, in either direction).
 */
export function compileLoggedModelSearch(d: SqlDialect, q: LoggedModelSearchQuery): CompiledSql {
  if (q.experimentIds.length === 0) return { sql: 'SELECT lm.* FROM logged_models lm WHERE 0 = 1', values: [] };
  const where: string[] = [];
  const values: unknown[] = [];
  let n = 0;
  where.push(`lm.experiment_id IN (${placeholders(q.experimentIds.length)})`);
  values.push(...q.experimentIds);
  where.push("(lm.lifecycle_stage IS NULL OR lm.lifecycle_stage <> 'deleted')");

  let metricClauses = 0;
  for (const clause of q.filter.clauses) {
    const { type, key } = clause.identifier;
    const alias = `f${n++}`;
    if (type === 'metric') {
      metricClauses++;
      const op = numericOperator(clause.comparator);
      const rhs = numberOf(clause);
      if (op === '<>') {
        // NaN (NULL) differs from everything; a model without the metric matches nothing.
        where.push(`EXISTS (SELECT 1 ${metricPoints(d, alias, key, q.datasets, values)})`);
        if (Number.isFinite(rhs)) {
          const latest = latestValue(d, `${alias}l`, key, q.datasets, values);
          values.push(rhs);
          where.push(`NOT (${d.nullSafeEquals(latest, '?')})`);
        }
      } else {
        where.push(finiteColumnCondition(latestValue(d, alias, key, q.datasets, values), op, rhs, values));
      }
    } else if (type === 'param' || type === 'tag') {
      const [table, k, v] =
        type === 'param' ? ['logged_model_params', 'param_key', 'param_value'] : ['logged_model_tags', 'tag_key', 'tag_value'];
      const match = `${alias}.model_id = lm.model_id AND ${d.exactEquals(`${alias}.${k}`, key, values)}`;
      where.push(`EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${match} AND ${stringCondition(d, `${alias}.${v}`, clause, values)})`);
    } else if (type === 'attribute') {
      const expr = attributeExpression(key);
      where.push(
        NUMERIC_ATTRIBUTES.has(key)
          ? finiteColumnCondition(expr, numericOperator(clause.comparator), numberOf(clause), values, d.param('double'))
          : stringCondition(d, expr, clause, values),
      );
    } else {
      throw invalidParameter(
        `Invalid identifier type '${String(type)}' for logged models: expected metrics, params, tags or an attribute.`,
        {
          field: 'filter',
        },
      );
    }
  }
  if (metricClauses === 0 && q.datasets.length > 0) {
    const ds = datasetCondition(d, 'fd', q.datasets, values);
    where.push(`EXISTS (SELECT 1 FROM logged_model_metrics fd WHERE fd.model_id = lm.model_id${ds})`);
  }

  const orderExprs: string[] = [];
  const orderValues: unknown[] = [];
  for (const order of q.order) {
    const { type, key } = order.identifier;
    const dir = order.ascending ? 'ASC' : 'DESC';
    const alias = `o${n++}`;
    if (type === 'metric') {
      const datasets = order.identifier.datasets ?? [];
      // Rank of the latest point: 0 a value, 1 NaN (stored NULL); no point at all gives 2.
      const points = metricPoints(d, alias, key, datasets, orderValues);
      const rank = `(SELECT CASE WHEN ${alias}.metric_value IS NULL THEN 1 ELSE 0 END ${points} ORDER BY ${alias}.metric_timestamp_ms DESC, ${alias}.metric_step DESC LIMIT 1)`;
      orderExprs.push(`COALESCE(${rank}, 2)`);
      orderExprs.push(`${latestValue(d, `${alias}v`, key, datasets, orderValues)} ${dir}`);
    } else if (type === 'attribute') {
      const expr = attributeExpression(key);
      orderExprs.push(
        `CASE WHEN ${expr} IS NULL THEN 1 ELSE 0 END`,
        NUMERIC_ATTRIBUTES.has(key) ? `${expr} ${dir}` : `${d.sortKey(expr)} ${dir}`,
      );
    } else {
      throw invalidParameter(
        `Invalid order by field for logged models: only metrics.<name> or an attribute is allowed, got ${type}.${key}.`,
        {
          field: 'order_by',
        },
      );
    }
  }

  const orderSql = orderExprs.length > 0 ? ` ORDER BY ${orderExprs.join(', ')}` : '';
  return {
    sql: `SELECT lm.* FROM logged_models lm WHERE ${where.join(' AND ')}${orderSql} LIMIT ? OFFSET ?`,
    values: [
      ...values,
      ...orderValues,
      rowCount(q.limit, 'max_results', 'max_results'),
      rowCount(q.offset, 'page token offset', 'page_token'),
    ],
  };
}
