import { invalidParameter, LabbookError } from '@labbook/core/plugin';
import {
  type DriverErrorDetails,
  type DriverErrorKind,
  driverCause,
  inTransaction,
  LazyPool,
  noteStatement,
  outOfDate,
  type Row,
  type RunOptions,
  type SchemaSetup,
  type SqlDriver,
  type SqlExecutor,
  type SqlResult,
  schemaState,
} from '@labbook/sql';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { createPool, openServerConnection } from './connection.js';
import { MSG } from './constants.js';
import { mysqlDialect } from './mysql-dialect.js';
import { SCHEMA_DDL } from './schema-ddl.js';
import { parseMysqlUrl } from './uri.js';

/** Unquoted-identifier characters: the only database names labbook creates by itself. */
const CREATABLE_NAME = /^(?!\d+$)[A-Za-z0-9_$]{1,64}$/;

const TRANSIENT_CODES = new Set([
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

// With ON UPDATE CASCADE children, MariaDB reports a clashing parent key as a foreign duplicate.
const DUPLICATE_CODES = new Set([
  'ER_DUP_ENTRY',
  'ER_FOREIGN_DUPLICATE_KEY',
  'ER_FOREIGN_DUPLICATE_KEY_WITH_CHILD_INFO',
  'ER_FOREIGN_DUPLICATE_KEY_WITHOUT_CHILD_INFO',
]);

const ACCESS_DENIED_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** What mysql2 returns for a statement: rows, or a result header for a write. */
type Mysql2Result = Row[] | unknown[][] | { affectedRows?: number; insertId?: number; warningStatus?: number };

function normalise<R>(result: Mysql2Result): SqlResult<R> {
  if (Array.isArray(result)) return { rows: result as R[], affectedRows: 0, warnings: 0 };
  const out: SqlResult<R> = { rows: [], affectedRows: result.affectedRows ?? 0, warnings: result.warningStatus ?? 0 };
  if (result.insertId !== undefined && result.insertId !== 0) out.insertId = result.insertId;
  return out;
}

/** What a {@link MysqlDriver} is made from. */
export interface MysqlDriverOptions {
  uri?: string | undefined;
  pool?: Pool | undefined;
  createDatabase?: boolean | undefined;
}

/** MySQL/MariaDB through a lazily created mysql2 pool (or an injected one, which `close()` leaves open). */
export class MysqlDriver implements SqlDriver {
  readonly dialect = mysqlDialect;
  readonly label = 'mysql';
  readonly unavailableHint = 'check that the MySQL server is up and reachable';
  readonly accessHint = 'Check the user, password and grants in the tracking URI';
  private readonly pools: LazyPool<Pool>;
  private readonly queryTimeout: number | undefined;

  constructor(private readonly options: MysqlDriverOptions) {
    if (options.pool === undefined && options.uri === undefined) {
      throw invalidParameter(`${MSG} Give a mysql:// URI, or a mysql2/promise pool as the \`pool\` option.`, { field: 'uri' });
    }
    // Parsed now so that a bad URI fails at construction, without touching the network.
    this.queryTimeout = options.pool === undefined && options.uri !== undefined ? parseMysqlUrl(options.uri).queryTimeout : undefined;
    this.pools = new LazyPool(
      () => createPool(parseMysqlUrl(options.uri!)),
      (pool) => pool.end(),
      options.pool,
    );
  }

  /** The pool, created on first use. */
  pool(): Promise<Pool> {
    return this.pools.get();
  }

  private timeout(): { timeout: number } | object {
    return this.queryTimeout === undefined ? {} : { timeout: this.queryTimeout };
  }

  async run<R = Row>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}): Promise<SqlResult<R>> {
    const pool = await this.pool();
    const [result] = await pool.query({ sql, values: values as unknown[], rowsAsArray: options.arrays === true, ...this.timeout() });
    return normalise<R>(result as Mysql2Result);
  }

  async transaction<T>(fn: (c: SqlExecutor) => Promise<T>): Promise<T> {
    const pool = await this.pool();
    const conn = await pool.getConnection();
    // The query timeout bounds the body's statements, not COMMIT: a commit given up on is ambiguous.
    const executor: SqlExecutor = {
      run: async <R>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}) => {
        const [result] = await conn.query({ sql, values: values as unknown[], rowsAsArray: options.arrays === true, ...this.timeout() });
        return normalise<R>(result as Mysql2Result);
      },
    };
    return inTransaction(
      { control: (sql) => conn.query(sql), release: () => conn.release(), destroy: () => conn.destroy() },
      'START TRANSACTION',
      () => fn(executor),
    );
  }

  classify(error: unknown): DriverErrorKind {
    const code = codeOf(error);
    if (typeof code !== 'string') return 'other';
    if (TRANSIENT_CODES.has(code)) return 'transient';
    if (DUPLICATE_CODES.has(code)) return 'duplicate';
    if (ACCESS_DENIED_CODES.has(code)) return 'access-denied';
    if (code === 'ER_BAD_DB_ERROR') return 'missing-database';
    return 'other';
  }

  details(error: unknown): DriverErrorDetails {
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : String(error);
    const out: DriverErrorDetails = { message };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.errno === 'number') out.errno = e.errno;
    if (typeof e.sqlState === 'string') out.sqlState = e.sqlState;
    return out;
  }

  /**
   * Creates MLflow's schema in an empty database, or checks the revision of an existing one. A named
   * server lock makes racing processes take turns; every statement is idempotent anyway.
   */
  async ensureSchema(setup: SchemaSetup): Promise<void> {
    const pool = await this.pool();
    let conn: PoolConnection;
    try {
      conn = await pool.getConnection();
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ER_WRONG_DB_NAME' || code === 'ER_TOO_LONG_IDENT') {
        const name = this.options.uri === undefined ? '(from the injected pool)' : parseMysqlUrl(this.options.uri).database;
        throw new LabbookError(
          'INTERNAL_ERROR',
          `${MSG} The database name '${name}' in the tracking URI is not one MySQL accepts (at most 64 characters, no trailing space). Name an existing database in the URI.`,
          { cause: driverCause(this, error) },
        );
      }
      if (code !== 'ER_BAD_DB_ERROR') throw error;
      await this.createMissingDatabase();
      conn = await pool.getConnection();
    }
    // Statements noted, so that a failure's cause names the one that failed.
    const q = async <R = Row>(sql: string, values: unknown[] = []) => {
      try {
        const [rows] = await conn.query(sql, values);
        return rows as unknown as R[];
      } catch (error) {
        noteStatement(error, sql, values);
        throw error;
      }
    };
    try {
      const [locked] = await q<{ l: number }>("SELECT GET_LOCK(CONCAT('labbook_schema_', DATABASE()), 60) AS l");
      if (locked?.l !== 1) {
        throw new LabbookError('TEMPORARILY_UNAVAILABLE', `${MSG} timed out waiting for another process to initialise the schema`);
      }
      try {
        const tables = await q<{ t: string }>(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('alembic_version', 'experiments')",
        );
        const names = new Set(tables.map((r) => String(r.t)));
        const versions = names.has('alembic_version') ? await q<{ version_num: string }>('SELECT version_num FROM alembic_version') : [];
        const state = schemaState(
          names.has('alembic_version'),
          names.has('experiments'),
          versions.map((v) => v.version_num),
        );
        if (state.kind === 'other') throw outOfDate(this.label, state.found, setup.head);
        if (state.kind === 'current') {
          await addMissingOutputsColumn(q);
          return;
        }
        for (const ddl of SCHEMA_DDL) await q(ddl);
        // MySQL would turn an explicit 0 into the next autoincrement value without this mode.
        await q("SET @labbook_old_mode = @@SESSION.sql_mode, SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
        const now = Date.now();
        await q(
          "INSERT IGNORE INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
          [`${setup.artifactRoot}/0`, now, now],
        );
        await q('SET SESSION sql_mode = @labbook_old_mode');
        await q('INSERT IGNORE INTO alembic_version (version_num) VALUES (?)', [setup.head]);
      } finally {
        await q("DO RELEASE_LOCK(CONCAT('labbook_schema_', DATABASE()))");
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
        `${MSG} The injected pool names a database that does not exist. Create it, or configure the pool with an existing database.`,
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
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4`);
    } catch (error) {
      if (this.classify(error) === 'transient') throw error;
      const cause = driverCause(this, error);
      throw missingDatabase(s.database, `creating it failed (reference ${cause.reference})`, cause);
    } finally {
      await admin?.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pools.close();
  }
}

/**
 * labbook before 0.2 created `evaluation_dataset_records` without the `outputs` column that
 * MLflow's migration 3da73c924c2f (an ancestor of the head) adds, while stamping the head: add it,
 * so that MLflow's evaluation datasets work on such a database.
 */
async function addMissingOutputsColumn(q: <R = Row>(sql: string, values?: unknown[]) => Promise<R[]>): Promise<void> {
  const found = await q(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'evaluation_dataset_records' AND column_name IN ('outputs', 'input_hash')",
  );
  // Only a table as labbook created it (input_hash present, outputs absent) is changed.
  if (found.length === 1) await q('ALTER TABLE evaluation_dataset_records ADD COLUMN outputs JSON');
}

function missingDatabase(name: string, why: string, cause?: unknown): LabbookError {
  const quoted = `\`${name.replace(/`/g, '``')}\``;
  return new LabbookError(
    'INTERNAL_ERROR',
    `${MSG} The database '${name}' named in the tracking URI does not exist, and ${why}. Create it with \`CREATE DATABASE ${quoted} CHARACTER SET utf8mb4\` (as a user allowed to), or point the URI at an existing database.`,
    cause === undefined ? {} : { cause },
  );
}
