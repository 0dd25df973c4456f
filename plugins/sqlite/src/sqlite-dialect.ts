import {
  type ConditionalUpsert,
  type InsertTarget,
  quoteIdent,
  type SqlDialect,
  targetSql,
  valuesList,
  type ValueSink,
} from '@labbook/sql';

const conflictSql = (columns: readonly string[]) => `(${columns.map(quoteIdent).join(', ')})`;
const updates = (columns: readonly string[]) => columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ');

/**
 * SQLite. It takes the canonical SQL as it is (`?` placeholders, backquoted identifiers, TRUE/FALSE);
 * text compares byte for byte under its default BINARY collation, and the connection sets
 * `case_sensitive_like`, so `=`, ORDER BY and LIKE need no decoration.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  // SQLITE_MAX_VARIABLE_NUMBER of the SQLite better-sqlite3 compiles (the default since 3.32).
  maxParameters: 32_766,
  foldsKeys: false,
  render: (sql) => sql,
  exactEquals(column, value, values: ValueSink) {
    values.push(value);
    return `${column} = ?`;
  },
  exactEqualsBesideRun(column, value, values) {
    // Unary + keeps the planner off the covering primary key, which leads with the key (see SqlDialect).
    values.push(value);
    return `+${column} = ?`;
  },
  exact: (expr) => expr,
  sortKey: (expr) => expr,
  like(expr, pattern, values) {
    // No ESCAPE clause: SQLite's LIKE has no escape character unless one is named, so `\` is literal.
    values.push(pattern);
    return `${expr} LIKE ?`;
  },
  ilike(expr, pattern, values) {
    values.push(pattern);
    return `LOWER(${expr}) LIKE LOWER(?)`;
  },
  nullSafeEquals: (a, b) => `${a} IS ${b}`,
  param: () => '?',
  forUpdate: '',
  offsetOnly: 'LIMIT -1 OFFSET ?',
  // A SELECT body ends in a WHERE (the contract): SQLite would read `ON CONFLICT` as a join's ON otherwise.
  insertIgnore: (t: InsertTarget, body: string) => `INSERT INTO ${targetSql(t)} ${body} ON CONFLICT DO NOTHING`,
  upsert: (t, body, conflict, update) =>
    `INSERT INTO ${targetSql(t)} ${body} ON CONFLICT ${conflictSql(conflict)} DO UPDATE SET ${updates(update)}`,
  conditionalUpsert(u: ConditionalUpsert) {
    // SQLite evaluates every SET against the row as it was, so one WHERE decides for all columns.
    const cond = u.when({ incoming: (c) => `excluded.${quoteIdent(c)}`, existing: (c) => `${u.table}.${quoteIdent(c)}` });
    return `INSERT INTO ${targetSql(u)} ${u.body} ON CONFLICT ${conflictSql(u.conflict)} DO UPDATE SET ${updates(u.update)} WHERE ${cond}`;
  },
  // The driver reads the rowid of the insert (lastInsertRowid).
  values: valuesList,
  returningId: () => '',
  // An INTEGER PRIMARY KEY is the rowid: new rows take max(rowid) + 1, past any explicit id.
  afterExplicitIds: () => [],
};
