/**
 * What differs between the SQL databases labbook speaks, as small renderers the stores call.
 *
 * The stores write every statement once, in one canonical form: `?` for each value, backquotes
 * around identifiers that some database reserves (`` `key` ``), TRUE/FALSE for boolean literals,
 * CASE instead of IF(), and only SQL that MySQL/MariaDB, PostgreSQL and SQLite all accept. Where the
 * databases genuinely disagree (upserts, exact string comparison, locking reads, id generation) the
 * store asks its dialect. A driver turns the canonical text into its database's (`render`) before
 * sending it; values are always parameters, never spliced into the text.
 */

/** Builds the SQL of a WHERE/ON condition, pushing the values it needs onto `values`. */
export type ValueSink = unknown[];

/** An INSERT's target: a table and its columns. */
export interface InsertTarget {
  table: string;
  columns: readonly string[];
}

/** Column references inside an upsert's update condition. */
export interface UpsertRefs {
  /** The value the statement tried to insert into `column`. */
  incoming(column: string): string;
  /** The value already in the row for `column`. */
  existing(column: string): string;
}

/** A conditional upsert: the row is updated only when `when` holds (it is inserted when new). */
export interface ConditionalUpsert extends InsertTarget {
  /** The VALUES or SELECT part, in canonical form. */
  body: string;
  /** The columns of the conflicting unique key. */
  conflict: readonly string[];
  /** The columns replaced with the incoming values. */
  update: readonly string[];
  /** When the existing row is replaced (both sides referenced through `refs`). */
  when(refs: UpsertRefs): string;
}

/** A database's SQL differences. One object per database; stateless. */
export interface SqlDialect {
  /** `mysql`, `postgresql` or `sqlite`: for messages and for tests that name a dialect. */
  readonly name: 'mysql' | 'postgresql' | 'sqlite';
  /** The most `?` one statement may carry; multi-row statements are split to stay under it. */
  readonly maxParameters: number;
  /**
   * True when the database's default collation may treat keys that differ in case, accents or
   * trailing spaces as one (MySQL): then what was stored is known only by reading it back.
   */
  readonly foldsKeys: boolean;

  /** Canonical SQL as this database takes it (placeholders, identifier quotes). Pure and cached by drivers. */
  render(sql: string): string;

  /** `column = ?` compared byte for byte (MySQL's default collations fold case and accents). Pushes `value` (MySQL: twice, so the index still serves the folded match). */
  exactEquals(column: string, value: unknown, values: ValueSink): string;
  /**
   * {@link exactEquals} for a key column beside `run_uuid = ?` in a metric-history read: the run's
   * index must lead. SQLite's and PostgreSQL's planners take the covering primary key (key,
   * timestamp, …) and read every run's points of that key; a non-indexable form of the column
   * (`+key`, `key || ''`) keeps them off it.
   */
  exactEqualsBesideRun(column: string, value: unknown, values: ValueSink): string;
  /** `expr` as an operand of an exact `=`, `<>` or `IN` whose right side the caller writes (MySQL: `BINARY expr`). */
  exact(expr: string): string;
  /** `expr` as an ORDER BY key in byte order (MySQL `BINARY`, PostgreSQL `COLLATE "C"`). */
  sortKey(expr: string): string;
  /** A case-sensitive `expr LIKE ?` where only `%` and `_` are special; pushes the pattern. */
  like(expr: string, pattern: string, values: ValueSink): string;
  /** A case-insensitive LIKE (`%` and `_` special); pushes the pattern. */
  ilike(expr: string, pattern: string, values: ValueSink): string;
  /** `a` equals `b`, NULL equal to NULL. */
  nullSafeEquals(a: string, b: string): string;
  /** A value placeholder the database can type where nothing else types it (a SELECT list, a CASE): PostgreSQL needs `CAST(? AS type)`. */
  param(type: 'text' | 'bigint' | 'integer' | 'double' | 'boolean'): string;

  /** Appended to a SELECT that locks the rows it reads for the transaction (SQLite: empty, its write transactions lock the file). */
  readonly forUpdate: string;
  /** The paging clause for "from `?` on, no limit" (MySQL needs a huge LIMIT, SQLite `LIMIT -1`). Holds one `?` for the offset. */
  readonly offsetOnly: string;

  /** `INSERT … body` that skips rows clashing with a unique key (MySQL `INSERT IGNORE`, others `ON CONFLICT DO NOTHING`). `body` is VALUES or SELECT (a SELECT must end in a WHERE). */
  insertIgnore(target: InsertTarget, body: string): string;
  /** `INSERT … body` that replaces `update` columns of a row clashing on `conflict`. */
  upsert(target: InsertTarget, body: string, conflict: readonly string[], update: readonly string[]): string;
  /** An upsert that replaces the row only when `when` holds. */
  conditionalUpsert(u: ConditionalUpsert): string;
  /**
   * The VALUES part of a multi-row INSERT for `rows`, their values pushed onto `values`
   * ({@link valuesList} for most; MySQL passes the rows as one nested value, which mysql2 expands
   * client-side about twice as fast as thousands of placeholders).
   */
  values(rows: readonly (readonly unknown[])[], values: ValueSink): string;
  /** Appended to an INSERT so that the driver reports the generated `column` as `insertId` (MySQL reports it anyway: empty). */
  returningId(column: string): string;
  /**
   * Statements to run after rows were inserted with explicit values in an auto-increment `column`
   * (imports, the Default experiment), so that later inserts do not reuse them. Empty when the
   * database keeps up by itself.
   */
  afterExplicitIds(table: string, column: string): readonly string[];
}

/** `VALUES (?, …), (?, …)` for `rows`, their values pushed onto `values` in order: the canonical multi-row VALUES. */
export function valuesList(rows: readonly (readonly unknown[])[], values: ValueSink): string {
  const out: string[] = [];
  for (const row of rows) {
    out.push(`(${row.map(() => '?').join(', ')})`);
    for (const v of row) values.push(v);
  }
  return `VALUES ${out.join(', ')}`;
}

/** `n` comma-separated placeholders, for `IN (…)` lists. */
export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** `rows` in slices small enough for one statement of `dialect` (`width` values per row). */
export function chunksFor<T>(dialect: SqlDialect, rows: readonly T[], width: number): T[][] {
  const size = Math.max(1, Math.floor(dialect.maxParameters / Math.max(1, width)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** An INSERT target as SQL: `table (a, b)`, identifiers in canonical quotes. */
export function targetSql(t: InsertTarget): string {
  return `${t.table} (${t.columns.map(quoteIdent).join(', ')})`;
}

/** `name` in canonical quotes where some database reserves it (only `key`, in MySQL, among MLflow's columns). */
export function quoteIdent(name: string): string {
  return name === 'key' ? '`key`' : name;
}
