import { invalidParameter, LabbookError } from '@labbook/core/plugin';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { createPool, openServerConnection } from './connection.js';
import {
  driverCause,
  isTransient,
  missingDatabase,
  noteStatement,
  notingStatements,
  outOfDate,
  type Queryable,
  wrapDriverError,
} from './errors.js';
import type { MysqlDatabaseOptions } from './options.js';
import { ALEMBIC_HEAD, SCHEMA_DDL } from './schema-ddl.js';
import { parseMysqlUrl } from './uri.js';

/** Unquoted-identifier characters: the only database names labbook creates by itself. */
const CREATABLE_NAME = /^(?!\d+$)[A-Za-z0-9_$]{1,64}$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One database behind a lazily created mysql2 pool: the driver is imported and the pool made on the
 * first query, the schema checked (or created) once. Shared by the tracking and registry stores.
 */
export class MysqlDatabase {
  private poolPromise: Promise<Pool> | undefined;
  private schemaPromise: Promise<void> | undefined;
  private readonly ownsPool: boolean;
  private queryTimeout: number | undefined;
  readonly artifactRoot: string;

  constructor(private readonly options: MysqlDatabaseOptions) {
    if (options.pool === undefined && options.uri === undefined) {
      throw invalidParameter('[labbook] [mysql] Give a mysql:// URI, or a mysql2/promise pool as the `pool` option.', { field: 'uri' });
    }
    // Parse now so that a bad URI fails at construction, without touching the network.
    if (options.pool === undefined && options.uri !== undefined) this.queryTimeout = parseMysqlUrl(options.uri).queryTimeout;
    this.ownsPool = options.pool === undefined;
    this.artifactRoot = (options.artifactRoot ?? `${process.cwd()}/mlruns`).replace(/\/+$/, '');
    if (options.pool !== undefined) this.poolPromise = Promise.resolve(options.pool);
  }

  /** The pool, created on first use. */
  pool(): Promise<Pool> {
    this.poolPromise ??= createPool(parseMysqlUrl(this.options.uri!)).catch((error) => {
      this.poolPromise = undefined;
      throw wrapDriverError(error, 'creating the connection pool');
    });
    return this.poolPromise;
  }

  /** Runs `fn` once the schema is known good. */
  async ready(): Promise<Pool> {
    const pool = await this.pool();
    this.schemaPromise ??= this.withRetry(() => this.ensureSchema(pool), 'initialising the schema').catch((error) => {
      this.schemaPromise = undefined;
      throw error;
    });
    await this.schemaPromise;
    return pool;
  }

  /** A read (or other idempotent statement) on the pool, retried on transient failures. */
  async query<T = Record<string, unknown>[]>(sql: string, values?: unknown[], rowsAsArray = false): Promise<T> {
    const pool = await this.ready();
    return this.withRetry(async () => {
      try {
        const [rows] = await pool.query({
          sql,
          values,
          rowsAsArray,
          ...(this.queryTimeout === undefined ? {} : { timeout: this.queryTimeout }),
        });
        return rows as T;
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
  async transaction<T>(fn: (conn: Queryable) => Promise<T>, idempotent: boolean, what = 'transaction'): Promise<T> {
    const pool = await this.ready();
    const once = async () => {
      const conn = await pool.getConnection();
      // The query timeout bounds the body's statements, not COMMIT: a commit given up on is ambiguous.
      const control = notingStatements(conn);
      try {
        await control.query('START TRANSACTION');
        const result = await fn(notingStatements(conn, this.queryTimeout));
        await control.query('COMMIT');
        conn.release();
        return result;
      } catch (error) {
        try {
          await conn.query('ROLLBACK');
          conn.release();
        } catch {
          // The connection is unusable: drop it from the pool rather than hand it out again.
          conn.destroy();
        }
        throw error;
      }
    };
    return idempotent ? this.withRetry(once, what) : once().catch((e) => Promise.reject(LabbookError.is(e) ? e : wrapDriverError(e, what)));
  }

  private async withRetry<T>(fn: () => Promise<T>, what: string): Promise<T> {
    const attempts = 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (LabbookError.is(error)) throw error;
        if (!isTransient(error) || attempt >= attempts) throw wrapDriverError(error, what);
        await sleep(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /**
   * Creates MLflow's schema in an empty database, or checks the revision of an existing one. A named
   * server lock makes racing processes take turns; every statement is idempotent anyway.
   */
  private async ensureSchema(pool: Pool): Promise<void> {
    let conn: PoolConnection;
    try {
      conn = await pool.getConnection();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ER_WRONG_DB_NAME' || code === 'ER_TOO_LONG_IDENT') {
        const name = this.options.uri === undefined ? '(from the injected pool)' : parseMysqlUrl(this.options.uri).database;
        throw new LabbookError(
          'INTERNAL_ERROR',
          `[labbook] [mysql] The database name '${name}' in the tracking URI is not one MySQL accepts (at most 64 characters, no trailing space). Name an existing database in the URI.`,
          { cause: driverCause(error) },
        );
      }
      if (code !== 'ER_BAD_DB_ERROR') throw error;
      await this.createMissingDatabase();
      conn = await pool.getConnection();
    }
    // Statements noted, so that a failure's cause names the one that failed.
    const schema = notingStatements(conn);
    try {
      const [locked] = (await schema.query("SELECT GET_LOCK(CONCAT('labbook_schema_', DATABASE()), 60) AS l")) as unknown as [
        { l: number }[],
      ];
      if (locked[0]?.l !== 1)
        throw new LabbookError(
          'TEMPORARILY_UNAVAILABLE',
          '[labbook] [mysql] timed out waiting for another process to initialise the schema',
        );
      try {
        const [tables] = (await schema.query(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('alembic_version', 'experiments')",
        )) as unknown as [{ t: string }[]];
        const names = new Set(tables.map((r) => String(r.t)));
        if (names.has('alembic_version')) {
          const [versions] = (await schema.query('SELECT version_num FROM alembic_version')) as unknown as [{ version_num: string }[]];
          const found = versions.map((v) => v.version_num).join(', ') || 'None';
          if (found !== ALEMBIC_HEAD) throw outOfDate(found);
          return;
        }
        if (names.has('experiments')) throw outOfDate('None');
        for (const ddl of SCHEMA_DDL) await schema.query(ddl);
        // MySQL would turn an explicit 0 into the next autoincrement value without this mode.
        await schema.query(
          "SET @labbook_old_mode = @@SESSION.sql_mode, SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')",
        );
        const now = Date.now();
        await schema.query(
          "INSERT IGNORE INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
          [`${this.artifactRoot}/0`, now, now],
        );
        await schema.query('SET SESSION sql_mode = @labbook_old_mode');
        await schema.query('INSERT IGNORE INTO alembic_version (version_num) VALUES (?)', [ALEMBIC_HEAD]);
      } finally {
        await schema.query("DO RELEASE_LOCK(CONCAT('labbook_schema_', DATABASE()))");
      }
    } finally {
      conn.release();
    }
  }

  /**
   * The URI's database does not exist: create it, as MLflow's SqlAlchemyStore does, when allowed and
   * the name is a plain identifier (so quoting it cannot go wrong); otherwise say how to create it.
   */
  private async createMissingDatabase(): Promise<void> {
    if (this.options.uri === undefined) {
      throw new LabbookError(
        'INTERNAL_ERROR',
        '[labbook] [mysql] The injected pool names a database that does not exist. Create it, or configure the pool with an existing database.',
      );
    }
    const s = parseMysqlUrl(this.options.uri);
    if (this.options.createDatabase === false) throw missingDatabase(s.database, 'creating it is turned off (createDatabase: false)');
    if (!CREATABLE_NAME.test(s.database)) {
      throw missingDatabase(s.database, 'labbook creates only databases named with letters, digits, _ and $');
    }
    let admin: Awaited<ReturnType<typeof openServerConnection>> | undefined;
    try {
      admin = await openServerConnection(s);
      // The name matched CREATABLE_NAME, so the backquotes cannot be closed from inside it.
      await notingStatements(admin).query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4`);
    } catch (error) {
      if (isTransient(error)) throw error;
      const cause = driverCause(error);
      throw missingDatabase(s.database, `creating it failed (reference ${cause.reference})`, cause);
    } finally {
      await admin?.end().catch(() => undefined);
    }
  }

  /** Ends the pool if this object created it. */
  async close(): Promise<void> {
    const pending = this.poolPromise;
    this.poolPromise = undefined;
    this.schemaPromise = undefined;
    if (pending !== undefined && this.ownsPool) await (await pending).end();
  }
}
