import { SqlDatabase } from '@labbook/sql';
import type { Connection } from './connection.js';
import type { SqliteDatabaseOptions } from './options.js';
import { SqliteDriver } from './sqlite-driver.js';

/**
 * One SQLite database (the process's connection to its file, opened on first use), shared by a
 * tracking and a registry store: the SQL core's database over the SQLite driver.
 */
export class SqliteDatabase extends SqlDatabase {
  constructor(options: SqliteDatabaseOptions) {
    super(new SqliteDriver({ uri: options.uri }), { artifactRoot: options.artifactRoot });
  }

  /** The better-sqlite3 connection, opened on first use (for tests and tools that need the raw driver). */
  connection(): Connection {
    return (this.driver as SqliteDriver).connection().db;
  }
}
