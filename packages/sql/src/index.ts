export * from './dialect.js';
export type * from './driver.js';
export { SqlDatabase, rowsOf, type SqlDatabaseOptions } from './database.js';
export { SqlDriverError, driverCause, newReference, noteStatement, outOfDate, wrapDriverError } from './errors.js';
export { ALEMBIC_HEAD, schemaState, type SchemaState } from './schema.js';
export { SqlTrackingStore } from './tracking-store.js';
export { SqlRegistryStore } from './registry-store.js';
export { compileRunSearch, type RunSearchQuery, type CompiledSql } from './runs-search-sql.js';
export { inTransaction, LazyPool, type TransactionConnection } from './pooled.js';
