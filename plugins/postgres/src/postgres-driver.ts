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
import type { Pool, PoolClient, QueryArrayConfig, QueryConfig, QueryResult } from 'pg';
import { createPool, openServerConnection } from './connection.js';
import { MSG, URI_FORM } from './constants.js';
import { postgresDialect } from './postgres-dialect.js';
import { SCHEMA_DDL } from './schema-ddl.js';
import { type PostgresConnectionSettings, parsePostgresUrl } from './uri.js';

/**
 * Names that need no quoting (lowercase letters, digits, `_`; at most 63 bytes): the only databases
 * labbook creates by itself, so that the name in the URI is the name PostgreSQL lists.
 */
const CREATABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The advisory lock key racing processes take turns on while creating the schema (any fixed bigint; per database). */
const SCHEMA_LOCK_KEY = 7_271_618_442_311_006_113n;

const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const ACCESS_DENIED_SQLSTATES = new Set(['28P01', '28000', '42501']);
// node-postgres reports a dropped or timed-out connection by message only.
const TRANSIENT_MESSAGE = /^Connection terminated|^timeout exceeded when trying to connect|^Client has encountered a connection error/;

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** The code of `error`, or of the first of an AggregateError's errors (a host name with several addresses). */
function anyCode(error: unknown): string | undefined {
  const code = codeOf(error);
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(inner)) for (const e of inner) if (typeof codeOf(e) === 'string') return codeOf(e) as string;
  return undefined;
}

function normalise<R>(result: QueryResult): SqlResult<R> {
  const out: SqlResult<R> = {
    rows: result.rows as R[],
    affectedRows: result.command === 'SELECT' ? 0 : (result.rowCount ?? 0),
    warnings: 0,
  };
  // An INSERT … RETURNING <id> (the dialect's returningId): the generated id is the first column.
  if (result.command === 'INSERT' && result.fields.length === 1 && result.rows.length > 0) {
    const first = result.rows[0] as unknown;
    const id = Number(Array.isArray(first) ? first[0] : (first as Row)[result.fields[0]!.name]);
    if (Number.isSafeInteger(id)) out.insertId = id;
  }
  return out;
}

/**
 * A statement PostgreSQL refused for a value the caller gave (longer than its column, a NUL
 * character, a number out of range) as the INVALID_PARAMETER_VALUE it is, instead of a query
 * failure; `undefined` for any other error. MLflow's validators allow some values its columns do
 * not hold (experiment names of 500 characters in a VARCHAR(256)), and PostgreSQL, unlike MySQL,
 * stores no NUL in text.
 */
function invalidValue(driver: SqlDriver, error: unknown, sql: string, values: readonly unknown[]): LabbookError | undefined {
  const code = codeOf(error);
  if (code !== '22001' && code !== '22021' && code !== '22P05' && code !== '22003') return undefined;
  noteStatement(error, sql, values);
  const cause = driverCause(driver, error);
  const ref = `(reference ${cause.reference})`;
  if (code === '22001') {
    const limit = /\((\d+)\)/.exec(String((error as Error).message))?.[1];
    const most = limit === undefined ? 'its column holds' : `${limit} characters, the most its column in MLflow's schema holds`;
    return invalidParameter(`${MSG} A value is longer than ${most} ${ref}. Shorten it.`, { cause });
  }
  if (code === '22003') return invalidParameter(`${MSG} A number is out of the range its column holds ${ref}.`, { cause });
  return invalidParameter(`${MSG} A value holds a NUL character (\\u0000), which PostgreSQL cannot store in text ${ref}. Remove it.`, {
    cause,
  });
}

function query(sql: string, values: readonly unknown[], options: RunOptions): QueryConfig | QueryArrayConfig {
  const text = postgresDialect.render(sql);
  return options.arrays === true ? { text, values: values as unknown[], rowMode: 'array' } : { text, values: values as unknown[] };
}

/** What a {@link PostgresDriver} is made from. */
export interface PostgresDriverOptions {
  uri?: string | undefined;
  pool?: Pool | undefined;
  createDatabase?: boolean | undefined;
}

/** PostgreSQL through a lazily created node-postgres pool (or an injected one, which `close()` leaves open). */
export class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect;
  readonly label = 'postgresql';
  readonly unavailableHint = 'check that the PostgreSQL server is up and reachable';
  readonly accessHint = 'Check the user, password and grants in the tracking URI (and pg_hba.conf on the server)';
  private readonly pools: LazyPool<Pool>;
  private readonly settings: PostgresConnectionSettings | undefined;

  constructor(private readonly options: PostgresDriverOptions) {
    if (options.pool === undefined && options.uri === undefined) {
      throw invalidParameter(`${MSG} Give a URI of the form ${URI_FORM}, or a pg Pool as the \`pool\` option.`, { field: 'uri' });
    }
    // Parsed now so that a bad URI fails at construction, without touching the network.
    this.settings = options.pool === undefined ? parsePostgresUrl(options.uri!) : undefined;
    this.pools = new LazyPool(
      () => createPool(this.settings!),
      (pool) => pool.end(),
      options.pool,
    );
  }

  /** The pool, created on first use. */
  pool(): Promise<Pool> {
    return this.pools.get();
  }

  async run<R = Row>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}): Promise<SqlResult<R>> {
    const pool = await this.pool();
    try {
      return normalise<R>(await pool.query(query(sql, values, options)));
    } catch (error) {
      throw invalidValue(this, error, sql, values) ?? error;
    }
  }

  async transaction<T>(fn: (c: SqlExecutor) => Promise<T>): Promise<T> {
    const pool = await this.pool();
    const client = await pool.connect();
    const executor: SqlExecutor = {
      run: async <R>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}) => {
        try {
          return normalise<R>(await client.query(query(sql, values, options)));
        } catch (error) {
          throw invalidValue(this, error, sql, values) ?? error;
        }
      },
    };
    return inTransaction(
      {
        control: (sql) => client.query(sql),
        release: () => client.release(),
        // pg drops a client released with an error instead of pooling it again.
        destroy: (error) => client.release(error instanceof Error ? error : true),
      },
      'BEGIN',
      () => fn(executor),
      // The statement timeout bounds the body's statements, not COMMIT: a commit given up on is ambiguous.
      this.settings?.statementTimeout === undefined ? [] : ['SET LOCAL statement_timeout = 0'],
    );
  }

  classify(error: unknown): DriverErrorKind {
    const code = anyCode(error);
    if (code !== undefined) {
      if (code === '23505') return 'duplicate';
      if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_CODES.has(code)) return 'transient';
      if (ACCESS_DENIED_SQLSTATES.has(code)) return 'access-denied';
      if (code === '3D000') return 'missing-database';
    }
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return 'transient';
    return 'other';
  }

  details(error: unknown): DriverErrorDetails {
    // Not pg's `detail`, `where` or `hint`: they may quote the values of the failing row.
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const message =
      typeof e.message === 'string' && e.message !== '' ? e.message : error instanceof AggregateError ? 'connection failed' : String(error);
    const out: DriverErrorDetails = { message };
    const code = anyCode(error);
    if (code !== undefined) out.code = code;
    if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) out.sqlState = code;
    return out;
  }

  /**
   * Creates MLflow's schema in an empty database, or checks the revision of an existing one, in one
   * transaction holding an advisory lock so that racing processes take turns (DDL is transactional in
   * PostgreSQL: a failure leaves nothing half made). Tables are looked up in the current schema (the
   * first of `search_path`; MLflow uses `public`).
   */
  async ensureSchema(setup: SchemaSetup): Promise<void> {
    const pool = await this.pool();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      if (codeOf(error) !== '3D000') throw error;
      await this.createMissingDatabase();
      client = await pool.connect();
    }
    const q = async <R = Row>(sql: string, values: unknown[] = []) => (await client.query(sql, values)).rows as R[];
    try {
      await q('BEGIN');
      try {
        // Waits bounded: a lock timeout is transient, so the core tries again.
        await q("SET LOCAL lock_timeout = '60s'");
        await q('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY.toString()]);
        const tables = await q<{ t: string }>(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('alembic_version', 'experiments')",
        );
        const names = new Set(tables.map((r) => String(r.t)));
        const versions = names.has('alembic_version') ? await q<{ version_num: string }>('SELECT version_num FROM alembic_version') : [];
        const state = schemaState(
          names.has('alembic_version'),
          names.has('experiments'),
          versions.map((v) => v.version_num),
        );
        if (state.kind === 'other') throw outOfDate(this.label, state.found, setup.head);
        if (state.kind === 'empty') {
          for (const ddl of SCHEMA_DDL) await q(ddl);
          const now = Date.now();
          // An explicit 0 leaves the sequence alone: the first experiment created gets 1, as with MLflow.
          await q(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', $1, 'active', $2, $3) ON CONFLICT DO NOTHING",
            [`${setup.artifactRoot}/0`, now, now],
          );
          await q('INSERT INTO alembic_version (version_num) VALUES ($1) ON CONFLICT DO NOTHING', [setup.head]);
        }
        await q('COMMIT');
      } catch (error) {
        await q('ROLLBACK').catch(() => undefined);
        throw error;
      }
      client.release();
    } catch (error) {
      client.release(this.classify(error) === 'transient' ? true : undefined);
      throw error;
    }
  }

  /**
   * The URI's database does not exist: create it when allowed and the name needs no quoting (so the
   * name cannot go wrong), connecting to the server's `postgres` database; otherwise say how to create it.
   */
  private async createMissingDatabase(): Promise<void> {
    const s = this.settings;
    if (s === undefined) {
      throw new LabbookError(
        'INTERNAL_ERROR',
        `${MSG} The injected pool names a database that does not exist. Create it, or configure the pool with an existing database.`,
      );
    }
    if (this.options.createDatabase === false) throw missingDatabase(s.database, 'creating it is turned off (createDatabase: false)');
    if (!CREATABLE_NAME.test(s.database)) {
      throw missingDatabase(
        s.database,
        'labbook creates only databases named with lowercase letters, digits and _ (not starting with a digit)',
      );
    }
    let admin: Awaited<ReturnType<typeof openServerConnection>> | undefined;
    try {
      admin = await openServerConnection(s);
      // The name matched CREATABLE_NAME, so the quotes cannot be closed from inside it.
      await admin.query(`CREATE DATABASE "${s.database}"`);
    } catch (error) {
      // Another process created it first: 42P04 once it is there, 23505 (pg_database's name index) while both commit.
      if (codeOf(error) === '42P04' || codeOf(error) === '23505') return;
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

function missingDatabase(name: string, why: string, cause?: unknown): LabbookError {
  const quoted = `"${name.replace(/"/g, '""')}"`;
  return new LabbookError(
    'INTERNAL_ERROR',
    `${MSG} The database '${name}' named in the tracking URI does not exist, and ${why}. Create it with \`CREATE DATABASE ${quoted}\` (as a user allowed to), or point the URI at an existing database.`,
    cause === undefined ? {} : { cause },
  );
}
