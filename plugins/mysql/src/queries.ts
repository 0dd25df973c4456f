import { MysqlDatabase } from './database.js';
import type { Queryable } from './errors.js';

/** A row as mysql2 returns it, column name to value. */
export type Row = Record<string, unknown>;

/** What mysql2 returns for a write. */
export type WriteResult = { affectedRows: number; warningStatus?: number };

/** `n` comma-separated placeholders, for `IN (…)` lists. */
export function qs(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * The rows of a SELECT, run inside a transaction (`c` is its connection) or on the pool (`c` is the
 * database, which retries transient failures).
 */
export async function rowsOf<T = Row>(c: Queryable | MysqlDatabase, sql: string, values: unknown[]): Promise<T[]> {
  if (c instanceof MysqlDatabase) return c.query<T[]>(sql, values);
  const [rows] = await c.query(sql, values);
  return rows as unknown as T[];
}
