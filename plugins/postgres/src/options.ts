import { given, invalidParameter, OptionChecks, type StoreFactoryOptions } from '@labbook/core/plugin';
import type { Pool } from 'pg';
import { MSG } from './constants.js';
import { PostgresDatabase } from './database.js';

/** Options of both stores ({@link PostgresTrackingStore} and {@link PostgresRegistryStore}). */
export interface PostgresStoreOptions {
  /** `postgresql://user:password@host:5432/db?sslmode=require&pool_size=10&connect_timeout=10&statement_timeout=30000`; not needed when `pool` is given. */
  uri?: string;
  /** A `pg` Pool to use instead of creating one. It is not ended by `close()`. */
  pool?: Pool;
  /** Where new experiments' artifacts go by default (`<artifactRoot>/<id>`); default `./mlruns` made absolute. */
  artifactRoot?: string;
  /**
   * Create the URI's database when the server says it does not exist (default true), connecting to
   * the server's `postgres` database to do so. Only names made of lowercase letters, digits and `_`
   * (not starting with a digit) are created.
   */
  createDatabase?: boolean;
  /** Share one database object (pool, schema check) between a tracking and a registry store. */
  database?: PostgresDatabase;
}

/** What a {@link PostgresDatabase} is made from: the store options but a shared database. */
export type PostgresDatabaseOptions = Omit<PostgresStoreOptions, 'database'>;

/** Options of {@link PostgresTrackingStore}. */
export type PostgresTrackingStoreOptions = PostgresStoreOptions;

/** Options of {@link PostgresRegistryStore}. */
export type PostgresRegistryStoreOptions = PostgresStoreOptions;

/** The shared database of `options`, or a new one made from them. */
export function databaseOf(options: PostgresStoreOptions): PostgresDatabase {
  return options.database ?? new PostgresDatabase(options);
}

/**
 * Checks raw factory options for the store of `uri` and returns them typed; a wrong type fails with
 * INVALID_PARAMETER_VALUE naming the option. `client` is accepted as another name of `pool`, as core
 * calls an injected SDK client. Options of other plugins are ignored.
 */
export function checkPostgresOptions(uri: string, raw: StoreFactoryOptions): PostgresStoreOptions {
  const o = new OptionChecks(raw, MSG);
  const expected = 'a pg Pool (from new pg.Pool)';
  const pool = o.withMethods<Pool>('pool', ['query', 'connect'], expected);
  const client = o.withMethods<Pool>('client', ['query', 'connect'], expected);
  if (pool !== undefined && client !== undefined && pool !== client) {
    throw invalidParameter(`${MSG} options 'client' and 'pool' name different pools. Give one of them.`, { field: 'client' });
  }
  const database = raw.database;
  if (database !== undefined && !(database instanceof PostgresDatabase)) {
    throw o.wrong('database', "a PostgresDatabase (another PostgreSQL store's `db`)");
  }
  return given<PostgresStoreOptions>({
    uri,
    pool: pool ?? client,
    artifactRoot: o.string('artifactRoot'),
    createDatabase: o.boolean('createDatabase'),
    database,
  });
}
