/**
 * Driver errors as LabbookErrors. A message reaching a user says what failed and what to do, never
 * the driver's text or SQL (both reach clients through the server, and may describe the schema or
 * echo values); what a person debugging needs (the driver's code, errno, SQL state and message, the
 * statement template and its parameter count) is the error's `cause`, which the server logs.
 */
import { randomBytes } from 'node:crypto';
import { LabbookError } from '@labbook/core/plugin';
import type { PoolConnection } from 'mysql2/promise';
import { ALEMBIC_HEAD } from './schema-ddl.js';

const RETRYABLE_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

/** Deadlocks, lock timeouts and lost or refused connections: worth trying again. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** mysql2's duplicate-key error. */
export function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // With ON UPDATE CASCADE children, MariaDB reports a clashing parent key as a foreign duplicate.
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'ER_FOREIGN_DUPLICATE_KEY' ||
    code === 'ER_FOREIGN_DUPLICATE_KEY_WITH_CHILD_INFO' ||
    code === 'ER_FOREIGN_DUPLICATE_KEY_WITHOUT_CHILD_INFO'
  );
}

/** The statement a driver error came from: its text with `?` placeholders and how many values it had. */
const statements = new WeakMap<object, { sql: string; parameterCount: number }>();

/** Remembers which statement failed, for the log; the values themselves are not kept. */
export function noteStatement(error: unknown, sql: string, values: unknown): void {
  if (typeof error !== 'object' || error === null || LabbookError.is(error) || statements.has(error)) return;
  statements.set(error, { sql, parameterCount: Array.isArray(values) ? values.length : values === undefined ? 0 : 1 });
}

/**
 * What a driver error is kept as, for the server log: the driver's code, number, SQL state and
 * message, and the statement template with its parameter count. Not the driver's own `sql`, which has
 * the values spliced in; never the URI or credentials (mysql2 messages do not carry passwords).
 */
export class MysqlDriverError extends Error {
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;
  readonly statement?: string;
  readonly parameterCount?: number;
  readonly reference: string;

  constructor(error: unknown, reference: string) {
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const text = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : String(error);
    super(`[reference ${reference}] ${typeof e.code === 'string' ? `${e.code}: ` : ''}${text}`);
    this.name = 'MysqlDriverError';
    this.reference = reference;
    if (typeof e.code === 'string') this.code = e.code;
    if (typeof e.errno === 'number') this.errno = e.errno;
    if (typeof e.sqlState === 'string') this.sqlState = e.sqlState;
    const statement = typeof error === 'object' && error !== null ? statements.get(error) : undefined;
    if (statement !== undefined) {
      this.statement = statement.sql;
      this.parameterCount = statement.parameterCount;
    }
    if (typeof e.stack === 'string') this.stack = `${this.name}: ${this.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
  }
}

/**
 * Turns a driver error into a LabbookError whose message says what failed and what to do, without
 * the driver's text or SQL (both reach clients through the server, and may describe the schema). The
 * details are the error's `cause` ({@link MysqlDriverError}), which the server logs; a short
 * reference in both ties a client's report to the log line.
 */
export function wrapDriverError(error: unknown, what: string): LabbookError {
  if (LabbookError.is(error)) return error;
  const reference = randomBytes(4).toString('hex');
  const cause = new MysqlDriverError(error, reference);
  if (isTransient(error)) {
    return new LabbookError(
      'TEMPORARILY_UNAVAILABLE',
      `[labbook] [mysql] The database was unavailable while ${what} (reference ${reference}). Try again shortly; if it persists, check that the MySQL server is up and reachable.`,
      { cause },
    );
  }
  if (cause.code !== undefined && ACCESS_DENIED_CODES.has(cause.code)) {
    return new LabbookError(
      'INTERNAL_ERROR',
      `[labbook] [mysql] The database refused the configured user while ${what} (reference ${reference}). Check the user, password and grants in the tracking URI.`,
      { cause },
    );
  }
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [mysql] The database failed to run a query while ${what} (reference ${reference}). The server log has the driver's error under this reference.`,
    { cause },
  );
}

const ACCESS_DENIED_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

export function missingDatabase(name: string, why: string, cause?: unknown): LabbookError {
  const quoted = `\`${name.replace(/`/g, '``')}\``;
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [mysql] The database '${name}' named in the tracking URI does not exist, and ${why}. Create it with \`CREATE DATABASE ${quoted} CHARACTER SET utf8mb4\` (as a user allowed to), or point the URI at an existing database.`,
    cause === undefined ? {} : { cause },
  );
}

export function outOfDate(found: string): LabbookError {
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [mysql] Detected out-of-date database schema (found version ${found}, but expected ${ALEMBIC_HEAD}). Take a backup of your database, then run 'mlflow db upgrade <database_uri>' to migrate your database to the latest schema.`,
  );
}

/** The subset of a mysql2 promise pool (or connection) that queries need. */
export type Queryable = Pick<PoolConnection, 'query'>;

/**
 * `conn` with every failed statement noted, so that the error's cause names it; `timeout` (ms), when
 * given, applies to each statement.
 */
export function notingStatements(conn: Queryable, timeout?: number): Queryable {
  const query = async (sql: string, values?: unknown) => {
    try {
      return await conn.query((timeout === undefined ? { sql, values } : { sql, values, timeout }) as never);
    } catch (error) {
      noteStatement(error, sql, values);
      throw error;
    }
  };
  return { query: query as PoolConnection['query'] };
}

/** The cause for a driver error that gets its own message, under a fresh reference. */
export function driverCause(error: unknown): MysqlDriverError {
  return new MysqlDriverError(error, randomBytes(4).toString('hex'));
}
