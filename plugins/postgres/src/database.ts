import { SqlDatabase } from '@labbook/sql';
import type { PostgresDatabaseOptions } from './options.js';
import { PostgresDriver } from './postgres-driver.js';

/**
 * One PostgreSQL database (a node-postgres pool made on first use, or an injected one), shared by a
 * tracking and a registry store: the SQL core's database over the PostgreSQL driver.
 */
export class PostgresDatabase extends SqlDatabase {
  constructor(options: PostgresDatabaseOptions) {
    super(new PostgresDriver(options), { artifactRoot: options.artifactRoot });
  }

  /** The pg pool, created on first use (for tests and tools that need the raw driver). */
  pool() {
    return (this.driver as PostgresDriver).pool();
  }
}
