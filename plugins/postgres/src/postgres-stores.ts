import { SqlRegistryStore, SqlTrackingStore } from '@labbook/sql';
import type { PostgresDatabase } from './database.js';
import { databaseOf, type PostgresRegistryStoreOptions, type PostgresTrackingStoreOptions } from './options.js';

/**
 * MLflow's SqlAlchemyStore on PostgreSQL: the same tables, rows and behaviours (mlflow-compat §4,
 * Appendix B), so MLflow and labbook share one database. The SQL core's tracking store on PostgreSQL.
 */
export class PostgresTrackingStore extends SqlTrackingStore {
  declare readonly db: PostgresDatabase;
  constructor(options: PostgresTrackingStoreOptions) {
    super(databaseOf(options));
  }
}

/** MLflow's SQL model registry on PostgreSQL: the SQL core's registry store on PostgreSQL. */
export class PostgresRegistryStore extends SqlRegistryStore {
  declare readonly db: PostgresDatabase;
  constructor(options: PostgresRegistryStoreOptions) {
    super(databaseOf(options));
  }
}
