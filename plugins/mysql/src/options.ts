import { invalidParameter, type StoreFactoryOptions } from '@labbook/core/plugin';
import type { Pool } from 'mysql2/promise';
import { MSG } from './constants.js';
import { MysqlDatabase } from './database.js';
import { given, OptionChecks } from '@labbook/core/plugin';

/** Options of both stores ({@link MysqlTrackingStore} and {@link MysqlRegistryStore}). */
export interface MysqlStoreOptions {
  /** `mysql://user:pass@host:port/db?ssl=true&pool_size=10&connect_timeout=10&query_timeout=30000`; not needed when `pool` is given. */
  uri?: string;
  /** A `mysql2/promise` pool to use instead of creating one. It is not ended by `close()`. */
  pool?: Pool;
  /** Where new experiments' artifacts go by default (`<artifactRoot>/<id>`); default `./mlruns` made absolute. */
  artifactRoot?: string;
  /**
   * Create the URI's database when the server says it does not exist, as MLflow's SqlAlchemyStore
   * does (default true). Only names made of letters, digits, `_` and `$` are created.
   */
  createDatabase?: boolean;
  /** Share one database object (pool, schema check) between a tracking and a registry store. */
  database?: MysqlDatabase;
}

/** What a {@link MysqlDatabase} is made from: the store options but a shared database. */
export type MysqlDatabaseOptions = Omit<MysqlStoreOptions, 'database'>;

/** Options of {@link MysqlTrackingStore}. */
export type MysqlTrackingStoreOptions = MysqlStoreOptions;

/** Options of {@link MysqlRegistryStore}. */
export type MysqlRegistryStoreOptions = MysqlStoreOptions;

/** The shared database of `options`, or a new one made from them. */
export function databaseOf(options: MysqlStoreOptions): MysqlDatabase {
  return options.database ?? new MysqlDatabase(options);
}

/**
 * Checks raw factory options for the store of `uri` and returns them typed; a wrong type fails with
 * INVALID_PARAMETER_VALUE naming the option. `client` is accepted as another name of `pool`, as core
 * calls an injected SDK client. Options of other plugins are ignored.
 */
export function checkMysqlOptions(uri: string, raw: StoreFactoryOptions): MysqlStoreOptions {
  const o = new OptionChecks(raw, MSG);
  const expected = 'a mysql2/promise pool (from mysql.createPool)';
  const pool = o.withMethods<Pool>('pool', ['query', 'getConnection'], expected);
  const client = o.withMethods<Pool>('client', ['query', 'getConnection'], expected);
  if (pool !== undefined && client !== undefined && pool !== client) {
    throw invalidParameter(`${MSG} options 'client' and 'pool' name different pools. Give one of them.`, { field: 'client' });
  }
  const database = raw.database;
  if (database !== undefined && !(database instanceof MysqlDatabase)) {
    throw o.wrong('database', "a MysqlDatabase (another MySQL store's `db`)");
  }
  return given<MysqlStoreOptions>({
    uri,
    pool: pool ?? client,
    artifactRoot: o.string('artifactRoot'),
    createDatabase: o.boolean('createDatabase'),
    database,
  });
}
