import { SqlRegistryStore, SqlTrackingStore } from '@labbook/sql';
import type { SqliteDatabase } from './database.js';
import { databaseOf, type SqliteRegistryStoreOptions, type SqliteTrackingStoreOptions } from './options.js';

/**
 * MLflow's SqlAlchemyStore on SQLite: the same tables, rows and behaviours (mlflow-compat §4), so
 * MLflow and labbook share one `mlflow.db`. The SQL core's tracking store on SQLite.
 */
export class SqliteTrackingStore extends SqlTrackingStore {
  declare readonly db: SqliteDatabase;
  constructor(options: SqliteTrackingStoreOptions) {
    super(databaseOf(options));
  }
}

/** MLflow's SQL model registry on SQLite: the SQL core's registry store on SQLite. */
export class SqliteRegistryStore extends SqlRegistryStore {
  declare readonly db: SqliteDatabase;
  constructor(options: SqliteRegistryStoreOptions) {
    super(databaseOf(options));
  }
}
