import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LabbookError } from '@labbook/core';
import type { ConnectionOptions, Pool, PoolConnection, PoolOptions } from 'mysql2/promise';
import { type MysqlConnectionSettings, parseMysqlUrl } from './connection-url.js';
import { ALEMBIC_HEAD, SCHEMA_DDL } from './schema-ddl.js';

/** The subset of a mysql2 promise pool (or connection) that queries need. */
export type Queryable = Pick<PoolConnection, 'query'>;

/** Options shared by both stores. */
export interface MysqlDatabaseOptions {
  /** `mysql://user:pass@host:port/db?...`; not needed when `pool` is given. */
  uri?: string;
  /** A `mysql2/promise` pool to use instead of creating one. It is not ended by `close()`. */
  pool?: Pool;
  /** Default artifact root for experiment 0 (and new experiments). */
  artifactRoot?: string;
  /**
   * Create the URI's database when the server says it does not exist, as MLflow's SqlAlchemyStore
   * does (default true). Only names made of letters, digits, `_` and `$` are created.
   */
  createDatabase?: boolean;
}

let mysql2Promise: Promise<typeof import('mysql2/promise')> | undefined;
function loadMysql2(): Promise<typeof import('mysql2/promise')> {
  mysql2Promise ??= import('mysql2/promise').then((m) => ((m as { default?: unknown }).default ?? m) as typeof import('mysql2/promise'));
  return mysql2Promise;
}

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
function noteStatement(error: unknown, sql: string, values: unknown): void {
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

/** Unquoted-identifier characters: the only database names labbook creates by itself. */
const CREATABLE_NAME = /^(?!\d+$)[A-Za-z0-9_$]{1,64}$/;

function missingDatabase(name: string, why: string, cause?: unknown): LabbookError {
  const quoted = `\`${name.replace(/`/g, '``')}\``;
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [mysql] The database '${name}' named in the tracking URI does not exist, and ${why}. Create it with \`CREATE DATABASE ${quoted} CHARACTER SET utf8mb4\` (as a user allowed to), or point the URI at an existing database.`,
    cause === undefined ? {} : { cause },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The socket under a core mysql2 connection (`stream`; with TLS, the TCP socket the TLS layer wraps). */
interface WithStream {
  stream?: { ref?: () => unknown; unref?: () => unknown };
}

/**
 * Scripts that never call `close()` (as with MLflow) must still exit: an idle pooled connection's
 * socket is unreferenced, so it does not keep the event loop alive, and referenced again while the
 * connection is checked out, so a query in flight does. Long-lived programs keep their warm
 * connections. Idle connections are not closed on a timer instead, because mysql2's idle sweep is a
 * timer that itself keeps the loop alive.
 */
function holdLoopOnlyWhileBusy(pool: Pool): void {
  // The promise pool re-emits the core pool's events with the core connection, which owns `stream`.
  const core = (pool as unknown as { pool?: Pool }).pool ?? pool;
  core.on('acquire', (conn) => (conn as unknown as WithStream).stream?.ref?.());
  core.on('release', (conn) => (conn as unknown as WithStream).stream?.unref?.());
}

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
      throw new LabbookError('INVALID_PARAMETER_VALUE', '[labbook] [mysql] give a mysql:// URI or a mysql2 pool');
    }
    // Parse now so that a bad URI fails at construction, without touching the network.
    if (options.pool === undefined && options.uri !== undefined) this.queryTimeout = parseMysqlUrl(options.uri).queryTimeout;
    this.ownsPool = options.pool === undefined;
    this.artifactRoot = (options.artifactRoot ?? `${process.cwd()}/mlruns`).replace(/\/+$/, '');
    if (options.pool !== undefined) this.poolPromise = Promise.resolve(options.pool);
  }

  /** Connection settings from the URI, shared by the pool and the one-off connection that creates the database. */
  private async connectionConfig(s: MysqlConnectionSettings): Promise<ConnectionOptions> {
    const config: ConnectionOptions = {
      host: s.host,
      port: s.port,
      connectTimeout: s.connectTimeout,
      enableKeepAlive: true,
      supportBigNumbers: true,
      charset: 'utf8mb4',
    };
    if (s.user !== undefined) config.user = s.user;
    if (s.password !== undefined) config.password = s.password;
    if (s.ssl !== undefined) {
      const read = (p?: string) => (p === undefined ? undefined : readFile(p, 'utf8'));
      const [ca, cert, key] = await Promise.all([read(s.ssl.caPath), read(s.ssl.certPath), read(s.ssl.keyPath)]);
      config.ssl = {
        rejectUnauthorized: s.ssl.rejectUnauthorized,
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
      };
    }
    return config;
  }

  private async createPool(): Promise<Pool> {
    const s = parseMysqlUrl(this.options.uri!);
    const mysql = await loadMysql2();
    const config: PoolOptions = {
      ...(await this.connectionConfig(s)),
      database: s.database,
      connectionLimit: s.connectionLimit,
      waitForConnections: true,
      maxIdle: s.connectionLimit,
      idleTimeout: 60_000,
    };
    const pool = mysql.createPool(config);
    holdLoopOnlyWhileBusy(pool);
    return pool;
  }

  /** The pool, created on first use. */
  pool(): Promise<Pool> {
    this.poolPromise ??= this.createPool().catch((error) => {
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
      try {
        await conn.query('START TRANSACTION');
        const result = await fn(this.timed(conn));
        await conn.query('COMMIT');
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

  /** The connection a transaction's body sees: the query timeout applied, failed statements noted for the log. */
  private timed(conn: PoolConnection): Queryable {
    const timeout = this.queryTimeout;
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
          { cause: new MysqlDriverError(error, randomBytes(4).toString('hex')) },
        );
      }
      if (code !== 'ER_BAD_DB_ERROR') throw error;
      await this.createMissingDatabase();
      conn = await pool.getConnection();
    }
    try {
      const [locked] = (await conn.query("SELECT GET_LOCK(CONCAT('labbook_schema_', DATABASE()), 60) AS l")) as unknown as [
        { l: number }[],
      ];
      if (locked[0]?.l !== 1)
        throw new LabbookError(
          'TEMPORARILY_UNAVAILABLE',
          '[labbook] [mysql] timed out waiting for another process to initialise the schema',
        );
      try {
        const [tables] = (await conn.query(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('alembic_version', 'experiments')",
        )) as unknown as [{ t: string }[]];
        const names = new Set(tables.map((r) => String(r.t)));
        if (names.has('alembic_version')) {
          const [versions] = (await conn.query('SELECT version_num FROM alembic_version')) as unknown as [{ version_num: string }[]];
          const found = versions.map((v) => v.version_num).join(', ') || 'None';
          if (found !== ALEMBIC_HEAD) throw outOfDate(found);
          return;
        }
        if (names.has('experiments')) throw outOfDate('None');
        for (const ddl of SCHEMA_DDL) await conn.query(ddl);
        // MySQL would turn an explicit 0 into the next autoincrement value without this mode.
        await conn.query(
          "SET @labbook_old_mode = @@SESSION.sql_mode, SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')",
        );
        const now = Date.now();
        await conn.query(
          "INSERT IGNORE INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
          [`${this.artifactRoot}/0`, now, now],
        );
        await conn.query('SET SESSION sql_mode = @labbook_old_mode');
        await conn.query('INSERT IGNORE INTO alembic_version (version_num) VALUES (?)', [ALEMBIC_HEAD]);
      } finally {
        await conn.query("DO RELEASE_LOCK(CONCAT('labbook_schema_', DATABASE()))");
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
    const mysql = await loadMysql2();
    let admin: Awaited<ReturnType<typeof mysql.createConnection>> | undefined;
    try {
      admin = await mysql.createConnection(await this.connectionConfig(s));
      // The name matched CREATABLE_NAME, so the backquotes cannot be closed from inside it.
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4`);
    } catch (error) {
      if (isTransient(error)) throw error;
      const reference = randomBytes(4).toString('hex');
      throw missingDatabase(s.database, `creating it failed (reference ${reference})`, new MysqlDriverError(error, reference));
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

function outOfDate(found: string): LabbookError {
  return new LabbookError(
    'INTERNAL_ERROR',
    `[labbook] [mysql] Detected out-of-date database schema (found version ${found}, but expected ${ALEMBIC_HEAD}). Take a backup of your database, then run 'mlflow db upgrade <database_uri>' to migrate your database to the latest schema.`,
  );
}
