import { type ConditionalUpsert, type InsertTarget, type SqlDialect, targetSql, quoteIdent, type ValueSink } from '@labbook/sql';

/** Escapes MySQL's LIKE escape character, so that only `%` and `_` are special (as MLflow's grammar says). */
function likePattern(pattern: string): string {
  return pattern.replace(/\\/g, '\\\\');
}

const updates = (columns: readonly string[]) => columns.map((c) => `${quoteIdent(c)} = VALUES(${quoteIdent(c)})`).join(', ');

/**
 * MySQL and MariaDB. The canonical SQL is MySQL's own, so nothing is rewritten; comparisons add
 * BINARY because the default collations fold case, accents and trailing spaces (MLflow does the same).
 */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  // mysql2's query() fills placeholders in the client; the packet size is the real bound.
  maxParameters: 65_535,
  foldsKeys: true,
  render: (sql) => sql,
  exactEquals(column, value, values: ValueSink) {
    // The folded match uses the column's index; BINARY then makes it exact.
    values.push(value, value);
    return `${column} = ? AND BINARY ${column} = ?`;
  },
  exactEqualsBesideRun(column, value, values) {
    return mysqlDialect.exactEquals(column, value, values);
  },
  exact: (expr) => `BINARY ${expr}`,
  sortKey: (expr) => `BINARY ${expr}`,
  like(expr, pattern, values) {
    values.push(likePattern(pattern));
    return `BINARY ${expr} LIKE ?`;
  },
  ilike(expr, pattern, values) {
    values.push(likePattern(pattern));
    return `LOWER(${expr}) LIKE LOWER(?)`;
  },
  nullSafeEquals: (a, b) => `${a} <=> ${b}`,
  param: () => '?',
  forUpdate: ' FOR UPDATE',
  offsetOnly: 'LIMIT 18446744073709551615 OFFSET ?',
  insertIgnore: (t: InsertTarget, body: string) => `INSERT IGNORE INTO ${targetSql(t)} ${body}`,
  upsert: (t, body, _conflict, update) => `INSERT INTO ${targetSql(t)} ${body} ON DUPLICATE KEY UPDATE ${updates(update)}`,
  conditionalUpsert(u: ConditionalUpsert) {
    // @labbook_w holds "the incoming row wins" for the row being updated: assignments run left to
    // right, so the comparison is made (once) in the first one, before any column changes.
    const cond = u.when({ incoming: (c) => `VALUES(${quoteIdent(c)})`, existing: (c) => quoteIdent(c) });
    const sets = u.update.map((c, i) => {
      const q = quoteIdent(c);
      return `${q} = IF(${i === 0 ? `@labbook_w := (${cond})` : '@labbook_w'}, VALUES(${q}), ${q})`;
    });
    return `INSERT INTO ${targetSql(u)} ${u.body} ON DUPLICATE KEY UPDATE ${sets.join(', ')}`;
  },
  values(rows, values) {
    // mysql2 expands one nested array into `(…), (…)` itself, about twice as fast as as many placeholders.
    values.push(rows);
    return 'VALUES ?';
  },
  returningId: () => '',
  // AUTO_INCREMENT moves past explicit values by itself.
  afterExplicitIds: () => [],
};
