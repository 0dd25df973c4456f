import type { Comparison, FilterTree, OrderByClause } from '@labbook/core/plugin';
import { invalidParameter } from '@labbook/core/plugin';
import { placeholders, type SqlDialect } from './dialect.js';

/** A statement and its parameters. Identifiers come only from the whitelists below, values only as `?`. */
export interface CompiledSql {
  sql: string;
  values: unknown[];
}

/** Run attributes a filter or order may name → their column. Nothing else ever reaches the SQL text. */
const RUN_ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'run_uuid',
  run_name: 'name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
};
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);
const NUMERIC_OPERATORS: Readonly<Record<string, string>> = { '=': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };
const MAX_ORDER_JOINS = 60;
const DATASET_COLUMNS: Readonly<Record<string, string>> = { name: 'd.name', digest: 'd.digest' };

function columnFor(attribute: string): string {
  const column = RUN_ATTRIBUTE_COLUMNS[attribute];
  if (column === undefined) throw invalidParameter(`Invalid attribute key '${attribute}' specified.`, { field: 'filter' });
  return column;
}

/**
 * A case-sensitive string comparison on `expr` (MySQL's default collations ignore case, so the
 * dialect makes it exact, as MLflow adds BINARY on MySQL). ILIKE ignores case on both sides.
 */
export function stringCondition(d: SqlDialect, expr: string, clause: Comparison, values: unknown[]): string {
  const { comparator, value } = clause;
  if (value.kind === 'list') {
    if (value.values.length === 0) return comparator === 'IN' ? '0 = 1' : '1 = 1';
    values.push(...value.values);
    return `${d.exact(expr)} ${comparator === 'IN' ? 'IN' : 'NOT IN'} (${placeholders(value.values.length)})`;
  }
  const rhs = String(value.value);
  switch (comparator) {
    case '=':
      values.push(rhs);
      return `${d.exact(expr)} = ?`;
    case '!=':
      values.push(rhs);
      return `${d.exact(expr)} <> ?`;
    case 'LIKE':
      return d.like(expr, rhs, values);
    case 'ILIKE':
      return d.ilike(expr, rhs, values);
    default:
      throw invalidParameter(`Invalid comparator '${comparator}' for a string value.`, { field: 'filter' });
  }
}

export function numericOperator(comparator: string): string {
  const op = NUMERIC_OPERATORS[comparator];
  if (op === undefined) throw invalidParameter(`Invalid comparator '${comparator}' for a numeric value.`, { field: 'filter' });
  return op;
}

export function numberOf(clause: Comparison): number {
  if (clause.value.kind !== 'number') throw invalidParameter('Expected a numeric value.', { field: 'filter' });
  return clause.value.value;
}

/**
 * How any finite number compares with a non-finite one (±Infinity from `1e400`, or NaN): the same
 * for every finite value, so the clause is a constant. mysql2 would print such a value as the bare
 * word `Infinity` (read as a column name), so it never reaches the statement; 0 stands for "any
 * finite value".
 */
export function finiteComparedWith(op: string, rhs: number): boolean {
  switch (op) {
    case '=':
      return 0 === rhs;
    case '<>':
      return 0 !== rhs;
    case '>':
      return 0 > rhs;
    case '>=':
      return 0 >= rhs;
    case '<':
      return 0 < rhs;
    default:
      return 0 <= rhs;
  }
}

/**
 * `expr op ?` for a numeric column that holds only finite values or NULL (NULL never matches).
 * `placeholder` types the value where the column's type would not take it: a BIGINT column compared
 * with `20.5` or `1e300` needs `d.param('double')` on PostgreSQL, which would read the value as a
 * BIGINT and refuse it (and compares as doubles then, as the in-memory evaluator does).
 */
export function finiteColumnCondition(expr: string, op: string, rhs: number, values: unknown[], placeholder = '?'): string {
  if (!Number.isFinite(rhs)) return finiteComparedWith(op, rhs) ? `${expr} IS NOT NULL` : '0 = 1';
  values.push(rhs);
  return `${expr} ${op} ${placeholder}`;
}

/**
 * A latest-metric value against a number. NaN (`is_nan` true) compares false with everything except
 * `!=`, as in Python (and MLflow's FileStore); stored values are finite (±Inf is clamped on write).
 */
function metricCondition(alias: string, op: string, rhs: number, values: unknown[]): string {
  if (op === '<>') {
    if (!Number.isFinite(rhs)) return '1 = 1';
    values.push(rhs);
    return `(${alias}.is_nan = TRUE OR ${alias}.value <> ?)`;
  }
  if (!Number.isFinite(rhs)) return finiteComparedWith(op, rhs) ? `${alias}.is_nan = FALSE` : '0 = 1';
  values.push(rhs);
  return `(${alias}.is_nan = FALSE AND ${alias}.value ${op} ?)`;
}

/** LIMIT and OFFSET must be plain integers: a client-side driver (mysql2) would print `1e+21` into the statement. */
export function rowCount(n: number, what: string, field: string): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw invalidParameter(`Invalid ${what} ${n}: expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.`, { field });
  return n;
}

/** Options of {@link compileRunSearch}. */
export interface RunSearchQuery {
  experimentIds: number[];
  lifecycleStages: string[];
  filter: FilterTree;
  orderBy: readonly OrderByClause[];
  limit: number;
  offset: number;
}

/**
 * One SELECT for one page of runs: an EXISTS subquery per metric/param/tag clause of the filter (so a
 * filter of any length stays under MySQL's 61-table join limit; each is a primary-key lookup on
 * (key, run_uuid)), a LEFT JOIN per order key, and MLflow's ordering (real values, then NaN, then
 * missing, in both directions; then `start_time DESC`, `run_uuid ASC`). Returns the run rows in order.
 * The SQL is canonical (see `dialect.ts`); `d` renders what differs between databases.
 */
export function compileRunSearch(d: SqlDialect, q: RunSearchQuery): CompiledSql {
  const joins: string[] = [];
  const joinValues: unknown[] = [];
  const where: string[] = [];
  const whereValues: unknown[] = [];
  const orderExprs: string[] = [];
  let n = 0;

  if (q.experimentIds.length === 0) return { sql: 'SELECT run_uuid FROM runs WHERE 0 = 1', values: [] };
  where.push(`r.experiment_id IN (${placeholders(q.experimentIds.length)})`);
  whereValues.push(...q.experimentIds);
  where.push(`r.lifecycle_stage IN (${placeholders(q.lifecycleStages.length)})`);
  whereValues.push(...q.lifecycleStages);

  for (const clause of q.filter.clauses) {
    const { type, key } = clause.identifier;
    const alias = `f${n++}`;
    if (type === 'metric' || type === 'param' || type === 'tag') {
      const table = type === 'metric' ? 'latest_metrics' : type === 'param' ? 'params' : 'tags';
      // An exact key match that still uses the (key, run_uuid) primary key.
      const match = `${alias}.run_uuid = r.run_uuid AND ${d.exactEquals(`${alias}.\`key\``, key, whereValues)}`;
      const cond =
        type === 'metric'
          ? metricCondition(alias, numericOperator(clause.comparator), numberOf(clause), whereValues)
          : stringCondition(d, `${alias}.value`, clause, whereValues);
      where.push(`EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${match} AND ${cond})`);
    } else if (type === 'attribute') {
      const column = `r.${columnFor(key)}`;
      if (NUMERIC_ATTRIBUTES.has(key)) {
        where.push(finiteColumnCondition(column, numericOperator(clause.comparator), numberOf(clause), whereValues, d.param('double')));
      } else {
        where.push(stringCondition(d, column, clause, whereValues));
      }
    } else if (type === 'dataset') {
      const base =
        "SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id = r.run_uuid";
      if (key === 'context') {
        where.push(
          `EXISTS (${base} AND EXISTS (SELECT 1 FROM input_tags it WHERE it.input_uuid = i.input_uuid AND it.name = 'mlflow.data.context' AND ${stringCondition(d, 'it.value', clause, whereValues)}))`,
        );
      } else {
        const column = DATASET_COLUMNS[key];
        if (column === undefined) throw invalidParameter(`Invalid dataset key '${key}' specified.`, { field: 'filter' });
        where.push(`EXISTS (${base} AND ${stringCondition(d, column, clause, whereValues)})`);
      }
    } else {
      throw invalidParameter(`Invalid identifier type '${String(type)}'.`, { field: 'filter' });
    }
  }

  // Order keys stay joins (a sort needs their values in the row). MySQL allows 61 tables in a join,
  // runs being one, so refuse more here rather than fail in the database.
  const joinedOrderKeys = q.orderBy.filter((o) => o.identifier.type !== 'attribute').length;
  if (joinedOrderKeys > MAX_ORDER_JOINS) {
    throw invalidParameter(
      `Too many metric, param and tag keys in order_by (${joinedOrderKeys}): MySQL joins at most 61 tables, so at most ${MAX_ORDER_JOINS} are allowed. Order by fewer keys.`,
      { field: 'order_by', limit: MAX_ORDER_JOINS },
    );
  }
  let orderedByStartTime = false;
  for (const order of q.orderBy) {
    const { type, key } = order.identifier;
    const dir = order.ascending ? 'ASC' : 'DESC';
    const alias = `o${n++}`;
    if (type === 'metric') {
      joins.push(
        `LEFT JOIN latest_metrics ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${d.exactEquals(`${alias}.\`key\``, key, joinValues)}`,
      );
      orderExprs.push(`CASE WHEN ${alias}.run_uuid IS NULL THEN 2 WHEN ${alias}.is_nan = TRUE THEN 1 ELSE 0 END`, `${alias}.value ${dir}`);
    } else if (type === 'param' || type === 'tag') {
      const table = type === 'param' ? 'params' : 'tags';
      joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${d.exactEquals(`${alias}.\`key\``, key, joinValues)}`);
      orderExprs.push(`CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END`, `${d.sortKey(`${alias}.value`)} ${dir}`);
    } else if (type === 'attribute') {
      const column = `r.${columnFor(key)}`;
      if (key === 'start_time') orderedByStartTime = true;
      orderExprs.push(
        `CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END`,
        NUMERIC_ATTRIBUTES.has(key) ? `${column} ${dir}` : `${d.sortKey(column)} ${dir}`,
      );
    } else {
      throw invalidParameter(`Invalid order_by identifier type '${String(type)}'.`, { field: 'order_by' });
    }
  }
  if (!orderedByStartTime) orderExprs.push('CASE WHEN r.start_time IS NULL THEN 1 ELSE 0 END', 'r.start_time DESC');
  orderExprs.push('r.run_uuid ASC');

  const sql = `SELECT r.* FROM runs r ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${orderExprs.join(', ')} LIMIT ? OFFSET ?`;
  return {
    sql,
    values: [
      ...joinValues,
      ...whereValues,
      rowCount(q.limit, 'max_results', 'max_results'),
      rowCount(q.offset, 'page token offset', 'page_token'),
    ],
  };
}
