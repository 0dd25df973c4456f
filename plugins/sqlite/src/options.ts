import { given, invalidParameter, OptionChecks, type StoreFactoryOptions } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { SqliteDatabase } from './database.js';

/** Options of both stores ({@link SqliteTrackingStore} and {@link SqliteRegistryStore}). */
export interface SqliteStoreOptions {
  /** `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, `sqlite://` (in memory); `?busy_timeout=5000` (ms). */
  uri: string;
  /** Where new experiments' artifacts go by default (`<artifactRoot>/<id>`); default `./mlruns` made absolute. */
  artifactRoot?: string;
  /** Share one database object (connection, schema check) between a tracking and a registry store. */
  database?: SqliteDatabase;
}

/** What a {@link SqliteDatabase} is made from: the store options but a shared database. */
export type SqliteDatabaseOptions = Omit<SqliteStoreOptions, 'database'>;

/** Options of {@link SqliteTrackingStore}. */
export type SqliteTrackingStoreOptions = SqliteStoreOptions;

/** Options of {@link SqliteRegistryStore}. */
export type SqliteRegistryStoreOptions = SqliteStoreOptions;

/** The shared database of `options`, or a new one made from them. */
export function databaseOf(options: SqliteStoreOptions): SqliteDatabase {
  if (options === null || typeof options !== 'object') {
    throw invalidParameter(`${MSG} Give the store's options: { uri: 'sqlite:///mlflow.db' }.`, { field: 'uri' });
  }
  return options.database ?? new SqliteDatabase(options);
}

/**
 * Checks raw factory options for the store of `uri` and returns them typed; a wrong type fails with
 * INVALID_PARAMETER_VALUE naming the option. Options of other plugins are ignored.
 */
export function checkSqliteOptions(uri: string, raw: StoreFactoryOptions): SqliteStoreOptions {
  const o = new OptionChecks(raw, MSG);
  const database = raw.database;
  if (database !== undefined && !(database instanceof SqliteDatabase)) {
    throw o.wrong('database', "a SqliteDatabase (another SQLite store's `db`)");
  }
  return given<SqliteStoreOptions>({ uri, artifactRoot: o.string('artifactRoot'), database });
}
