import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabbookError } from '@labbook/core/plugin';
import {
  type DriverErrorDetails,
  type DriverErrorKind,
  driverCause,
  outOfDate,
  type Row,
  type RunOptions,
  type SchemaSetup,
  type SqlDriver,
  type SqlExecutor,
  type SqlResult,
  schemaState,
} from '@labbook/sql';
import { acquire, release, type SharedConnection } from './connection.js';
import { MSG } from './constants.js';
import { SCHEMA_DDL } from './schema-ddl.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { parseSqliteUri, type SqliteSettings } from './uri.js';

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 1/0 as in MLflow's columns. */
function bindable(values: readonly unknown[]): unknown[] {
  return values.map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v));
}

const INSERT = /^\s*(INSERT|REPLACE)\b/i;

/** What a {@link SqliteDriver} is made from. */
export interface SqliteDriverOptions {
  uri: string;
}

/**
 * SQLite through better-sqlite3: one connection per database file (or in-memory URI) in the process,
 * shared by every store on it. better-sqlite3 runs statements synchronously, so an async lock lets one
 * transaction at a time hold the connection; statements outside a transaction wait for it. Other
 * processes are kept in turn by SQLite's file locks (`BEGIN IMMEDIATE`, WAL, the busy timeout).
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  readonly label = 'sqlite';
  readonly unavailableHint: string;
  readonly accessHint: string;
  readonly settings: SqliteSettings;
  private shared: SharedConnection | undefined;
  private closed = false;

  constructor(options: SqliteDriverOptions) {
    if (options === null || typeof options !== 'object' || options.uri === undefined) {
      throw invalidUri();
    }
    // Parsed now so that a bad URI fails at construction, before anything is opened.
    this.settings = parseSqliteUri(options.uri);
    const where = this.settings.filename ?? 'the in-memory database';
    this.unavailableHint = `another process may be holding a long write transaction on ${where} (labbook waited ${this.settings.busyTimeout} ms for it each time; raise busy_timeout in the URI to wait longer)`;
    this.accessHint = `The database file ${where} is read-only for this process: make the file, its folder and any ${where}-wal / -shm files writable, or point the URI at a writable file`;
  }

  /** The shared connection, opened on first use. */
  connection(): SharedConnection {
    if (this.shared !== undefined) return this.shared;
    if (this.closed) {
      throw new LabbookError('INTERNAL_ERROR', `${MSG} This store was closed. Create a new store to use the database again.`);
    }
    try {
      this.shared = acquire(this.settings);
    } catch (error) {
      // better-sqlite3 checks the folder itself (a TypeError without a code); SQLite says SQLITE_CANTOPEN.
      const filename = this.settings.filename;
      if (codeOf(error)?.startsWith('SQLITE_CANTOPEN') || (filename !== undefined && !existsSync(dirname(filename)))) {
        throw this.cannotOpen(error);
      }
      throw error;
    }
    return this.shared;
  }

  private cannotOpen(error: unknown): LabbookError {
    const cause = driverCause(this, error);
    return new LabbookError(
      'INTERNAL_ERROR',
      `${MSG} Cannot open the database file ${this.settings.filename} (reference ${cause.reference}). Its folder must exist and be writable by this process: create the folder (SQLite creates the file, not folders), or point the URI at another path.`,
      { cause },
    );
  }

  private exec<R>(shared: SharedConnection, sql: string, values: readonly unknown[], options: RunOptions): SqlResult<R> {
    const stmt = shared.prepare(sql);
    const params = bindable(values);
    if (stmt.reader) {
      const rows = stmt.raw(options.arrays === true).all(...params) as R[];
      return { rows, affectedRows: 0, warnings: 0 };
    }
    const info = stmt.run(...params);
    const out: SqlResult<R> = { rows: [], affectedRows: info.changes, warnings: 0 };
    if (info.changes > 0 && INSERT.test(sql)) out.insertId = Number(info.lastInsertRowid);
    return out;
  }

  async run<R = Row>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}): Promise<SqlResult<R>> {
    const shared = this.connection();
    return shared.lock.run(() => this.exec<R>(shared, sql, values, options));
  }

  async transaction<T>(fn: (c: SqlExecutor) => Promise<T>, begin = 'BEGIN IMMEDIATE'): Promise<T> {
    const shared = this.connection();
    return shared.lock.run(async () => {
      const db = shared.db;
      db.exec(begin);
      let active = true;
      const executor: SqlExecutor = {
        run: async <R>(sql: string, values: readonly unknown[] = [], options: RunOptions = {}) => {
          if (!active) throw new LabbookError('INTERNAL_ERROR', `${MSG} A statement ran after its transaction ended (a bug in labbook).`);
          return this.exec<R>(shared, sql, values, options);
        },
      };
      try {
        const result = await fn(executor);
        active = false;
        db.exec('COMMIT');
        return result;
      } catch (error) {
        active = false;
        // SQLite may already have rolled back (a failed COMMIT under SQLITE_BUSY keeps it open, a full disk does not).
        if (db.inTransaction) {
          try {
            db.exec('ROLLBACK');
          } catch {
            // Nothing more to undo: the transaction is gone either way.
          }
        }
        throw error;
      }
    });
  }

  classify(error: unknown): DriverErrorKind {
    const code = codeOf(error);
    if (code === undefined) return 'other';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'transient';
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'duplicate';
    if (code.startsWith('SQLITE_CANTOPEN')) return 'missing-database';
    if (code.startsWith('SQLITE_READONLY')) return 'access-denied';
    return 'other';
  }

  details(error: unknown): DriverErrorDetails {
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const out: DriverErrorDetails = { message: typeof e.message === 'string' ? e.message : String(error) };
    if (typeof e.code === 'string') out.code = e.code;
    return out;
  }

  /**
   * Creates MLflow's schema in an empty database, or checks the revision of an existing one, under
   * `BEGIN EXCLUSIVE`: racing processes take turns on the file lock, and the second finds the schema made.
   */
  async ensureSchema(setup: SchemaSetup): Promise<void> {
    await this.transaction(async (c) => {
      const tables = await c.run<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('alembic_version', 'experiments')",
      );
      const names = new Set(tables.rows.map((r) => r.name));
      const versions = names.has('alembic_version')
        ? (await c.run<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows
        : [];
      const state = schemaState(
        names.has('alembic_version'),
        names.has('experiments'),
        versions.map((v) => String(v.version_num)),
      );
      if (state.kind === 'other') throw outOfDate(this.label, state.found, setup.head);
      if (state.kind === 'current') return;
      for (const ddl of SCHEMA_DDL) await c.run(ddl);
      const now = Date.now();
      await c.run(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
        [`${setup.artifactRoot}/0`, now, now],
      );
      await c.run('INSERT INTO alembic_version (version_num) VALUES (?)', [setup.head]);
    }, 'BEGIN EXCLUSIVE');
  }

  /** Leaves the shared connection; the last store on a database closes it. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const shared = this.shared;
    this.shared = undefined;
    if (shared !== undefined) await shared.lock.run(() => release(shared));
  }
}

function invalidUri(): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} Give a sqlite:// URI, such as sqlite:///mlflow.db.`, { field: 'uri' });
}
