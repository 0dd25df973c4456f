export { MysqlTrackingStore } from './mysql-tracking-store.js';
export { MysqlRegistryStore } from './mysql-registry-store.js';
export { MysqlDatabase } from './database.js';
export { MysqlDriverError } from './errors.js';
export {
  checkMysqlOptions,
  type MysqlDatabaseOptions,
  type MysqlRegistryStoreOptions,
  type MysqlStoreOptions,
  type MysqlTrackingStoreOptions,
} from './options.js';
export { parseMysqlUrl, type MysqlConnectionSettings } from './uri.js';
export { ALEMBIC_HEAD, SCHEMA_DDL } from './schema-ddl.js';
export { compileRunSearch, type RunSearchQuery, type CompiledSql } from './runs-search-sql.js';
