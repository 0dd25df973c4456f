import { SqlDatabase } from '@labbook/sql';
import { MysqlDriver } from './mysql-driver.js';
import type { MysqlDatabaseOptions } from './options.js';

/**
 * One MySQL database (a mysql2 pool made on first use, or an injected one), shared by a tracking and
 * a registry store: the SQL core's database over the MySQL driver.
 */
export class MysqlDatabase extends SqlDatabase {
  constructor(options: MysqlDatabaseOptions) {
    super(new MysqlDriver(options), { artifactRoot: options.artifactRoot });
  }

  /** The mysql2 pool, created on first use (for tests and tools that need the raw driver). */
  pool() {
    return (this.driver as MysqlDriver).pool();
  }
}
