export { MysqlTrackingStore, type MysqlTrackingStoreOptions } from './mysql-tracking-store.js';
export { MysqlDatabase, type MysqlDatabaseOptions, MysqlDriverError } from './database.js';
export { parseMysqlUrl, type MysqlConnectionSettings } from './connection-url.js';
export { ALEMBIC_HEAD, SCHEMA_DDL } from './schema-ddl.js';
export { compileRunSearch, type RunSearchQuery, type CompiledSql } from './runs-search-sql.js';
export { MysqlRegistryStore, type MysqlRegistryStoreOptions } from './mysql-registry-store.js';
