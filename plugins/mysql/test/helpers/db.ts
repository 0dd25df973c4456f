import mysql from 'mysql2/promise';
import { createMysqlTestDatabase, type MysqlTestDatabase } from '../../../../test/harness/mysql.js';
import { serviceAvailable } from '../../../../test/harness/service.js';

export { mysql };

/** A fresh database, or `undefined` (with the reason printed) when no server is reachable outside CI. */
export async function testDatabase(): Promise<MysqlTestDatabase | undefined> {
  try {
    return await createMysqlTestDatabase(mysql);
  } catch (error) {
    serviceAvailable('MySQL', error);
    return undefined;
  }
}

/** Reachability, checked once per file at collection time. */
export const probe = await testDatabase();
export const available = probe !== undefined;
if (probe) await probe.drop();
