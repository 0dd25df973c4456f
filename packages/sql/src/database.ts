import { LabbookError } from '@labbook/core/plugin';
import type { SqlDialect } from './dialect.js';
import type { Row, RunOptions, SqlDriver, SqlExecutor, SqlResult } from './driver.js';
import { noteStatement, SqlDriverError, wrapDriverError } from './errors.js';
import { ALEMBIC_HEAD } from './schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many times a transient failure is tried in all. */
const ATTEMPTS = 6;

/** Options of a {@link SqlDatabase}. */
export interface SqlDatabaseOptions {
  /** Where new experiments' artifacts go by default (`<artifactRoot>/<id>`); default `./mlruns` made absolute. */
  artifactRoot?: string | undefined;
}

/**
 * One database behind a driver, shared by a tracking and a registry store: the schema checked (or
 * created) once before the first statement, transient failures retried with backoff, every other
 * driver failure turned into a LabbookError that names the store and keeps the driver's details as
 * its cause.
 */
export class SqlDatabase {
  private schemaPromise: Promise<void> | undefined;
  readonly artifactRoot: string;
  readonly dialect: SqlDialect;

  constructor(
    readonly driver: SqlDriver,
    options: SqlDatabaseOptions = {},
  ) {
    this.dialect = driver.dialect;
    this.artifactRoot = (options.artifactRoot ?? `${process.cwd()}/mlruns`).replace(/\/+$/, '');
  }

  /** Resolves once the schema is known good. */
  async ready(): Promise<void> {
    this.schemaPromise ??= this.withRetry(
      () => this.driver.ensureSchema({ head: ALEMBIC_HEAD, artifactRoot: this.artifactRoot }),
      'initialising the schema',
    ).catch((error) => {
      this.schemaPromise = undefined;
      throw error;
    });
    await this.schemaPromise;
  }

  /** The rows of a read (or other idempotent statement), retried on transient failures. */
  async query<R = Row>(sql: string, values: readonly unknown[] = [], options?: RunOptions): Promise<R[]> {
    return (await this.run<R>(sql, values, options)).rows;
  }

  /** An idempotent autocommitted statement, retried on transient failures. */
  async run<R = Row>(sql: string, values: readonly unknown[] = [], options?: RunOptions): Promise<SqlResult<R>> {
    await this.ready();
    return this.withRetry(async () => {
      try {
        return await this.driver.run<R>(sql, values, options);
      } catch (error) {
        noteStatement(error, sql, values);
        throw error;
      }
    }, 'running a query');
  }

  /**
   * Runs `fn` in one transaction. When `idempotent`, a deadlock or lost connection re-runs the whole
   * transaction (a few times, with backoff); otherwise it fails with TEMPORARILY_UNAVAILABLE.
   */
  async transaction<T>(fn: (c: SqlExecutor) => Promise<T>, idempotent: boolean, what = 'transaction'): Promise<T> {
    await this.ready();
    const once = () =>
      this.driver.transaction((conn) =>
        fn({
          run: async <R>(sql: string, values: readonly unknown[] = [], options?: RunOptions) => {
            try {
              return await conn.run<R>(sql, values, options);
            } catch (error) {
              noteStatement(error, sql, values);
              throw error;
            }
          },
        }),
      );
    if (idempotent) return this.withRetry(once, what);
    try {
      return await once();
    } catch (error) {
      throw LabbookError.is(error) ? error : wrapDriverError(this.driver, error, what);
    }
  }

  /** True when `error` is a unique-key clash, raw or wrapped (its cause). */
  isDuplicateKey(error: unknown): boolean {
    if (LabbookError.is(error)) return error.cause instanceof SqlDriverError && error.cause.kind === 'duplicate';
    return this.driver.classify(error) === 'duplicate';
  }

  private async withRetry<T>(fn: () => Promise<T>, what: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (LabbookError.is(error)) throw error;
        if (this.driver.classify(error) !== 'transient' || attempt >= ATTEMPTS) throw wrapDriverError(this.driver, error, what);
        await sleep(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** Ends the driver's connections. */
  async close(): Promise<void> {
    this.schemaPromise = undefined;
    await this.driver.close();
  }
}

/** The rows of a SELECT inside a transaction (`c`) or on the database (retried). */
export async function rowsOf<R = Row>(c: SqlExecutor | SqlDatabase, sql: string, values: readonly unknown[] = []): Promise<R[]> {
  if (c instanceof SqlDatabase) return c.query<R>(sql, values);
  return (await c.run<R>(sql, values)).rows;
}
