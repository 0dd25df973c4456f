import { randomBytes } from 'node:crypto';

/**
 * Test databases on a real MySQL/MariaDB: `LABBOOK_TEST_MYSQL_URL` when set (a server URL; its
 * database part is ignored), otherwise `mysql://root@127.0.0.1:3306`. Each call creates a database
 * with a random name and returns a URL to it and a function that drops it.
 *
 * The driver is passed in by the caller (the mysql plugin depends on mysql2, the test workspace does
 * not), so this file needs no dependency of its own.
 */
export interface MysqlDriver {
  createConnection(options: { uri: string; connectTimeout?: number }): Promise<{
    query(sql: string): Promise<unknown>;
    end(): Promise<void>;
  }>;
}

/** A database created for one test file. */
export interface MysqlTestDatabase {
  /** `mysql://user:pass@host:port/<random name>`. */
  url: string;
  name: string;
  /** `mysql://user:pass@host:port` without a database. */
  serverUrl: string;
  drop(): Promise<void>;
}

/** The server the tests use. */
export function mysqlServerUrl(): string {
  const raw = process.env.LABBOOK_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  const u = new URL(raw.replace(/^mysql\+\w+:/, 'mysql:'));
  u.pathname = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

/** Creates a fresh database; throws (for `serviceAvailable`) when the server cannot be reached. */
export async function createMysqlTestDatabase(driver: MysqlDriver, prefix = 'labbook_test'): Promise<MysqlTestDatabase> {
  const serverUrl = mysqlServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await driver.createConnection({ uri: serverUrl, connectTimeout: 3000 });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  return {
    url: `${serverUrl}/${name}`,
    name,
    serverUrl,
    async drop() {
      const c = await driver.createConnection({ uri: serverUrl, connectTimeout: 3000 });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}
