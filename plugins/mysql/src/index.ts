export { MysqlTrackingStore } from './mysql-stores.js';
export { MysqlRegistryStore } from './mysql-stores.js';
export { MysqlDatabase } from './database.js';
export { MysqlDriver } from './mysql-driver.js';
export { mysqlDialect } from './mysql-dialect.js';
/** @deprecated The SQL core's `SqlDriverError` (from `@labbook/sql`), under the name this plugin used to give it. */
export { SqlDriverError as MysqlDriverError } from '@labbook/sql';
export {
  checkMysqlOptions,
  type MysqlDatabaseOptions,
  type MysqlRegistryStoreOptions,
  type MysqlStoreOptions,
  type MysqlTrackingStoreOptions,
} from './options.js';
export { parseMysqlUrl, type MysqlConnectionSettings } from './uri.js';
export { SCHEMA_DDL } from './schema-ddl.js';
export { ALEMBIC_HEAD } from '@labbook/sql';
export { compileRunSearch, type RunSearchQuery, type CompiledSql } from './search.js';
