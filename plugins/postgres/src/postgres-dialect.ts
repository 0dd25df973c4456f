import { LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { type ConditionalUpsert, type InsertTarget, quoteIdent, type SqlDialect, targetSql, valuesList } from '@labbook/sql';

/** Escapes PostgreSQL's default LIKE escape character, so that only `%` and `_` are special (as MLflow's grammar says). */
function likePattern(pattern: string): string {
  return pattern.replace(/\\/g, '\\\\');
}

const TYPES = { text: 'text', bigint: 'bigint', integer: 'integer', double: 'double precision', boolean: 'boolean' } as const;

/** Statement texts already rendered: the stores send a few hundred distinct ones over and over. */
const rendered = new Map<string, string>();
const RENDER_CACHE_LIMIT = 2000;

/**
 * Canonical SQL as PostgreSQL takes it: each `?` becomes `$1`, `$2`, … in order and backquoted
 * identifiers become double-quoted ones, outside string literals and quoted identifiers.
 */
export function renderPostgres(sql: string): string {
  const hit = rendered.get(sql);
  if (hit !== undefined) return hit;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A literal or quoted identifier, its doubled quotes included, copied as it is.
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '`') {
      const j = sql.indexOf('`', i + 1);
      // Statements are labbook's own, never user text: this is a bug in one of them.
      if (j < 0)
        throw new LabbookError('INTERNAL_ERROR', `${MSG} A statement has an unterminated backquote (a labbook bug; please report it).`);
      out += `"${sql.slice(i + 1, j)}"`;
      i = j + 1;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (rendered.size >= RENDER_CACHE_LIMIT) rendered.clear();
  rendered.set(sql, out);
  return out;
}

const sets = (columns: readonly string[]) => columns.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ');
const keyList = (columns: readonly string[]) => columns.map(quoteIdent).join(', ');

/**
 * PostgreSQL. Its default collations compare strings exactly, so equality needs no help; ORDER BY
 * uses `COLLATE "C"` for byte order (as MLflow's results come out of MySQL's BINARY and SQLite).
 */
export const postgresDialect: SqlDialect = {
  name: 'postgresql',
  // The wire protocol counts a statement's parameters in 16 bits.
  maxParameters: 65_535,
  foldsKeys: false,
  render: renderPostgres,
  exactEquals(column, value, values) {
    values.push(value);
    return `${column} = ?`;
  },
  exactEqualsBesideRun(column, value, values) {
    // Not indexable, so the planner takes index_metrics_run_uuid: an index-only scan of the primary key
    // (key first) would read every run's points of that key (see SqlDialect).
    values.push(value);
    return `(${column} || '') = ?`;
  },
  exact: (expr) => expr,
  sortKey: (expr) => `${expr} COLLATE "C"`,
  like(expr, pattern, values) {
    values.push(likePattern(pattern));
    return `${expr} LIKE ?`;
  },
  ilike(expr, pattern, values) {
    values.push(likePattern(pattern));
    return `${expr} ILIKE ?`;
  },
  nullSafeEquals: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
  param: (type) => `CAST(? AS ${TYPES[type]})`,
  forUpdate: ' FOR UPDATE',
  offsetOnly: 'OFFSET ?',
  insertIgnore: (t: InsertTarget, body: string) => `INSERT INTO ${targetSql(t)} ${body} ON CONFLICT DO NOTHING`,
  upsert: (t, body, conflict, update) =>
    `INSERT INTO ${targetSql(t)} ${body} ON CONFLICT (${keyList(conflict)}) DO ${update.length === 0 ? 'NOTHING' : `UPDATE SET ${sets(update)}`}`,
  conditionalUpsert(u: ConditionalUpsert) {
    const cond = u.when({ incoming: (c) => `EXCLUDED.${quoteIdent(c)}`, existing: (c) => `${u.table}.${quoteIdent(c)}` });
    return `INSERT INTO ${targetSql(u)} ${u.body} ON CONFLICT (${keyList(u.conflict)}) DO UPDATE SET ${sets(u.update)} WHERE ${cond}`;
  },
  values: valuesList,
  returningId: (column) => ` RETURNING ${quoteIdent(column)}`,
  // A SERIAL's sequence does not see explicit ids: move it past the largest one (never back), so that
  // the next nextval() is MAX + 1 (1 after the Default experiment 0).
  afterExplicitIds: (table, column) => [
    `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), GREATEST(COALESCE((SELECT MAX(${quoteIdent(column)}) FROM ${table}), 0) + 1, nextval(pg_get_serial_sequence('${table}', '${column}'))), false)`,
  ],
};
