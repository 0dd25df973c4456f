/**
 * Driver errors as LabbookErrors. A message reaching a user says what failed and what to do, never
 * the driver's text or SQL (both reach clients through the server, and may describe the schema or
 * echo values); what a person debugging needs (the driver's code, SQL state and message, the
 * statement template and its parameter count) is the error's `cause`, which the server logs.
 */
import { randomBytes } from 'node:crypto';
import { LabbookError } from '@labbook/core/plugin';
import type { DriverErrorDetails, DriverErrorKind, SqlDriver } from './driver.js';

/** The statement a driver error came from: its canonical text and how many values it had. */
const statements = new WeakMap<object, { sql: string; parameterCount: number }>();

/** Remembers which statement failed, for the log; the values themselves are not kept. */
export function noteStatement(error: unknown, sql: string, values: readonly unknown[] | undefined): void {
  if (typeof error !== 'object' || error === null || LabbookError.is(error) || statements.has(error)) return;
  // A nested list (MySQL's multi-row VALUES ?) counts as the values it holds.
  const parameterCount = (values ?? []).reduce<number>((n, v) => n + (Array.isArray(v) ? v.flat(Number.POSITIVE_INFINITY).length : 1), 0);
  statements.set(error, { sql, parameterCount });
}

/**
 * What a driver error is kept as, for the server log: the driver's code, number, SQL state and
 * message, and the statement template with its parameter count. Never the values, the URI or
 * credentials.
 */
export class SqlDriverError extends Error {
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;
  readonly statement?: string;
  readonly parameterCount?: number;
  readonly reference: string;
  /** How the core classed the failure (a retry after a 'duplicate' cause, say). */
  readonly kind: DriverErrorKind;

  constructor(error: unknown, details: DriverErrorDetails, reference: string, kind: DriverErrorKind) {
    super(`[reference ${reference}] ${details.code === undefined ? '' : `${details.code}: `}${details.message}`);
    this.name = 'SqlDriverError';
    this.reference = reference;
    this.kind = kind;
    if (details.code !== undefined) this.code = details.code;
    if (details.errno !== undefined) this.errno = details.errno;
    if (details.sqlState !== undefined) this.sqlState = details.sqlState;
    const statement = typeof error === 'object' && error !== null ? statements.get(error) : undefined;
    if (statement !== undefined) {
      this.statement = statement.sql;
      this.parameterCount = statement.parameterCount;
    }
    const stack = (error as { stack?: unknown } | null)?.stack;
    if (typeof stack === 'string') this.stack = `${this.name}: ${this.message}\n${stack.split('\n').slice(1).join('\n')}`;
  }
}

/** A fresh short reference tying a client's report to the server's log line. */
export function newReference(): string {
  return randomBytes(4).toString('hex');
}

/** The cause for a driver error, under a fresh reference. */
export function driverCause(driver: SqlDriver, error: unknown): SqlDriverError {
  return new SqlDriverError(error, driver.details(error), newReference(), driver.classify(error));
}

/**
 * `error` as a LabbookError whose message says what failed and what to do, without the driver's
 * text; the details are its `cause`.
 */
export function wrapDriverError(driver: SqlDriver, error: unknown, what: string): LabbookError {
  if (LabbookError.is(error)) return error;
  const cause = driverCause(driver, error);
  const ref = cause.reference;
  const tag = `[labbook] [${driver.label}]`;
  switch (cause.kind) {
    case 'transient':
      return new LabbookError(
        'TEMPORARILY_UNAVAILABLE',
        `${tag} The database was unavailable while ${what} (reference ${ref}). Try again shortly; if it persists, ${driver.unavailableHint}.`,
        { cause },
      );
    case 'access-denied':
      return new LabbookError(
        'INTERNAL_ERROR',
        `${tag} The database refused the configured user while ${what} (reference ${ref}). ${driver.accessHint}.`,
        { cause },
      );
    default:
      return new LabbookError(
        'INTERNAL_ERROR',
        `${tag} The database failed to run a query while ${what} (reference ${ref}). The server log has the driver's error under this reference.`,
        { cause },
      );
  }
}

/** The schema is at another alembic revision than the stores speak. */
export function outOfDate(label: string, found: string, expected: string): LabbookError {
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [${label}] Detected out-of-date database schema (found version ${found}, but expected ${expected}). Take a backup of your database, then run 'mlflow db upgrade <database_uri>' to migrate your database to the latest schema.`,
  );
}
