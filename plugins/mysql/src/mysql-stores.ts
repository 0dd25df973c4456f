import { SqlRegistryStore, SqlTrackingStore } from '@labbook/sql';
import type { MysqlDatabase } from './database.js';
import { databaseOf, type MysqlRegistryStoreOptions, type MysqlTrackingStoreOptions } from './options.js';

/**
 * MLflow's SqlAlchemyStore on MySQL/MariaDB: the same tables, rows and behaviours (mlflow-compat §4,
 * Appendix B), so MLflow and labbook share one database. The SQL core's tracking store on MySQL.
 */
export class MysqlTrackingStore extends SqlTrackingStore {
  declare readonly db: MysqlDatabase;
  constructor(options: MysqlTrackingStoreOptions) {
    super(databaseOf(options));
  }
}

/** MLflow's SQL model registry on MySQL/MariaDB: the SQL core's registry store on MySQL. */
export class MysqlRegistryStore extends SqlRegistryStore {
  declare readonly db: MysqlDatabase;
  constructor(options: MysqlRegistryStoreOptions) {
    super(databaseOf(options));
  }
}
