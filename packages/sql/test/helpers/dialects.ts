import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type GuardedRegistryStore,
  type GuardedTrackingStore,
  type RegistryStore,
  type TrackingStore,
  validatedRegistryStore,
  validatedTrackingStore,
} from '@labbook/core';
import { MysqlDriver, MysqlRegistryStore, MysqlTrackingStore } from '../../../../plugins/mysql/src/index.js';
import { available as mysqlAvailable, testDatabase as mysqlTestDatabase } from '../../../../plugins/mysql/test/helpers/db.js';
import { PostgresDriver, PostgresRegistryStore, PostgresTrackingStore } from '../../../../plugins/postgres/src/index.js';
import { available as postgresAvailable, testDatabase as postgresTestDatabase } from '../../../../plugins/postgres/test/helpers/db.js';
import { SqliteDriver, SqliteRegistryStore, SqliteTrackingStore } from '../../../../plugins/sqlite/src/index.js';
import { SqlDatabase } from '../../src/database.js';
import type { SqlDriver } from '../../src/driver.js';

/** One fresh database of a dialect, with the stores the SQL core's tests run against. */
export interface DialectDatabase {
  /** The store URI of the database. */
  uri: string;
  /** The plugin's tracking store on it, behind core's validation (as users get it). */
  tracking: GuardedTrackingStore;
  /** The plugin's registry store on it, behind core's validation. */
  registry: GuardedRegistryStore;
  /** The SQL core's database object on its own driver of the same dialect, for tests of the core's internals. */
  sql: SqlDatabase;
  /** Closes the stores and `sql`, then removes the database (idempotent). */
  drop(): Promise<void>;
}

/** What {@link Dialect.open} is given. */
export interface OpenOptions {
  /** Where new experiments' artifacts go; default `s3://bucket/mlruns`, so no test writes to the working directory. */
  artifactRoot?: string;
}

/** A SQL dialect the SQL core runs on, and whether this machine can test it. */
export interface Dialect {
  name: 'mysql' | 'postgresql' | 'sqlite';
  /** For test titles. */
  label: string;
  /**
   * Whether its server answered at collection time. Outside CI a missing server makes this false (the
   * reason printed); under CI=true importing this module throws instead, so CI never passes by skipping.
   */
  available: boolean;
  /** A fresh database; only call it when `available`. */
  open(options?: OpenOptions): Promise<DialectDatabase>;
}

/** How a dialect is tested: where a fresh database comes from and what runs on it. */
interface DialectSpec extends Omit<Dialect, 'open'> {
  /** Creates an empty database; `drop` removes it once everything on it is closed. */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
  /** The plugin's stores and a driver of the dialect on `uri`, each with its own connections. */
  make(uri: string, artifactRoot: string): { tracking: TrackingStore; registry: RegistryStore; driver: SqlDriver };
}

const DEFAULT_ARTIFACT_ROOT = 's3://bucket/mlruns';

function dialect({ create, make, ...about }: DialectSpec): Dialect {
  return {
    ...about,
    async open({ artifactRoot = DEFAULT_ARTIFACT_ROOT } = {}) {
      const db = await create();
      const made = make(db.url, artifactRoot);
      const tracking = validatedTrackingStore(made.tracking);
      const registry = validatedRegistryStore(made.registry);
      const sql = new SqlDatabase(made.driver, { artifactRoot });
      let dropped: Promise<void> | undefined;
      return {
        uri: db.url,
        tracking,
        registry,
        sql,
        drop() {
          dropped ??= (async () => {
            await tracking.close();
            await registry.close();
            await sql.close();
            await db.drop();
          })();
          return dropped;
        },
      };
    },
  };
}

/** What `testDatabase()` of a server's helpers gave; `available` says it is not undefined. */
async function created<T>(db: Promise<T | undefined>): Promise<T> {
  const got = await db;
  if (got === undefined) throw new Error('[labbook tests] open() called on a dialect that is not available');
  return got;
}

const mysql = dialect({
  name: 'mysql',
  label: 'MySQL',
  available: mysqlAvailable,
  create: () => created(mysqlTestDatabase()),
  make: (uri, artifactRoot) => ({
    tracking: new MysqlTrackingStore({ uri, artifactRoot }),
    registry: new MysqlRegistryStore({ uri }),
    driver: new MysqlDriver({ uri }),
  }),
});

const postgresql = dialect({
  name: 'postgresql',
  label: 'PostgreSQL',
  available: postgresAvailable,
  create: () => created(postgresTestDatabase()),
  make: (uri, artifactRoot) => ({
    tracking: new PostgresTrackingStore({ uri, artifactRoot }),
    registry: new PostgresRegistryStore({ uri }),
    driver: new PostgresDriver({ uri }),
  }),
});

const sqlite = dialect({
  name: 'sqlite',
  label: 'SQLite',
  // No server: a file in a temporary folder.
  available: true,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-sql-'));
    // Four slashes: an absolute path (`sqlite:///x` is relative to the working directory).
    return { url: `sqlite:///${join(dir, 'mlflow.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  make: (uri, artifactRoot) => ({
    tracking: new SqliteTrackingStore({ uri, artifactRoot }),
    registry: new SqliteRegistryStore({ uri }),
    driver: new SqliteDriver({ uri }),
  }),
});

/** Every dialect, for `describe.each`; filter by `name` for a subset. */
export const DIALECTS: readonly Dialect[] = [mysql, postgresql, sqlite];
