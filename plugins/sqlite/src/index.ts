export { SqliteRegistryStore, SqliteTrackingStore } from './sqlite-stores.js';
export { SqliteDatabase } from './database.js';
export { SqliteDriver, type SqliteDriverOptions } from './sqlite-driver.js';
export { sqliteDialect } from './sqlite-dialect.js';
export {
  checkSqliteOptions,
  type SqliteDatabaseOptions,
  type SqliteRegistryStoreOptions,
  type SqliteStoreOptions,
  type SqliteTrackingStoreOptions,
} from './options.js';
export { parseSqliteUri, type SqliteSettings } from './uri.js';
export { SCHEMA_DDL } from './schema-ddl.js';
export { ALEMBIC_HEAD, SqlDriverError } from '@labbook/sql';
