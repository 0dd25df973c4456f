/**
 * The one better-sqlite3 connection per database of a process: the driver loaded on first use,
 * MLflow's session settings applied, statements prepared once, and the connection shared by every
 * store on the same file (or the same in-memory URI) until the last of them closes it.
 */
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import type BetterSqlite3 from 'better-sqlite3';
import { Mutex } from './mutex.js';
import type { SqliteSettings } from './uri.js';

type DatabaseConstructor = typeof BetterSqlite3;
export type Connection = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[]>;

let driver: DatabaseConstructor | undefined;
// Loaded lazily: a program that only names a sqlite:// URI in its config must not load a native addon.
function loadDriver(): DatabaseConstructor {
  try {
    driver ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  } catch (error) {
    throw driverMissing(error);
  }
  return driver;
}

/**
 * better-sqlite3 is an optional dependency (a failed native build must not fail the install of a
 * project that never opens sqlite://): missing, or built for another Node, it is reported here.
 */
function isDriverLoadFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    e?.code === 'MODULE_NOT_FOUND' ||
    e?.code === 'ERR_DLOPEN_FAILED' ||
    /Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(message)
  );
}

function driverMissing(error: unknown): LabbookError {
  return new LabbookError(
    'INTERNAL_ERROR',
    `${MSG} The SQLite driver better-sqlite3 is not installed, or its native addon was not built for this Node.js (${process.version}). Install the project's dependencies again where better-sqlite3's prebuilt binary can be downloaded, or with \`npm_config_nodedir=${dirname(dirname(process.execPath))}\` set so that node-gyp builds it against this Node's own headers (then \`pnpm rebuild better-sqlite3\` or \`npm rebuild better-sqlite3\`).`,
    { cause: error },
  );
}

/** Prepared statements kept per connection; past this many the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 256;

/** A connection with its lock and statement cache, shared by the drivers of one database. */
export class SharedConnection {
  readonly lock = new Mutex();
  private readonly statements = new Map<string, Statement>();
  users = 0;

  constructor(
    readonly key: string,
    readonly db: Connection,
  ) {}

  /** `sql` prepared, from the cache when it was prepared before. */
  prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    } else {
      // Most recently used last, so the oldest is the first key.
      this.statements.delete(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

const open = new Map<string, SharedConnection>();

/** The key of a database: its real path, or the in-memory URI. */
export function keyOf(s: SqliteSettings): string {
  if (s.filename === undefined) return `memory:${s.memoryKey}`;
  try {
    return `file:${realpathSync(s.filename)}`;
  } catch {
    return `file:${s.filename}`;
  }
}

/**
 * Opens (or joins) the connection of `s`, with MLflow's SQLite session settings: foreign keys on
 * (MLflow's schema relies on ON DELETE/UPDATE CASCADE), LIKE case-sensitive, WAL so readers of other
 * processes do not block the writer, and `busyTimeout` for waiting on other processes' locks.
 */
export function acquire(s: SqliteSettings): SharedConnection {
  const key = keyOf(s);
  let shared = open.get(key);
  if (shared === undefined) {
    const Database = loadDriver();
    let db: Connection;
    try {
      db = new Database(s.filename ?? ':memory:', { timeout: s.busyTimeout });
    } catch (error) {
      // The addon is loaded by the first constructor call, not by the require.
      throw isDriverLoadFailure(error) ? driverMissing(error) : error;
    }
    try {
      db.pragma(`busy_timeout = ${Math.floor(s.busyTimeout)}`);
      db.pragma('foreign_keys = ON');
      db.pragma('case_sensitive_like = ON');
      if (s.filename !== undefined) db.pragma('journal_mode = WAL');
    } catch (error) {
      db.close();
      throw error;
    }
    shared = new SharedConnection(key, db);
    open.set(key, shared);
  }
  shared.users++;
  return shared;
}

/** One user of `shared` is done; the last one closes the connection (an in-memory database is then gone). */
export function release(shared: SharedConnection): void {
  shared.users--;
  if (shared.users > 0) return;
  if (open.get(shared.key) === shared) open.delete(shared.key);
  if (shared.db.open) shared.db.close();
}
