export { PostgresRegistryStore, PostgresTrackingStore } from './postgres-stores.js';
export { PostgresDatabase } from './database.js';
export { PostgresDriver, type PostgresDriverOptions } from './postgres-driver.js';
export { postgresDialect, renderPostgres } from './postgres-dialect.js';
export { SqlDriverError as PostgresDriverError } from '@labbook/sql';
export {
  checkPostgresOptions,
  type PostgresDatabaseOptions,
  type PostgresRegistryStoreOptions,
  type PostgresStoreOptions,
  type PostgresTrackingStoreOptions,
} from './options.js';
export { parsePostgresUrl, type PostgresConnectionSettings, type SslMode } from './uri.js';
export { SCHEMA_DDL } from './schema-ddl.js';
export { ALEMBIC_HEAD } from '@labbook/sql';
