import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceAvailable } from '../../../../test/harness/service.js';

export { pg };

/**
 * Test databases on a real PostgreSQL: `LABBOOK_TEST_POSTGRES_URL` when set (a server URL; its
 * database part is ignored), otherwise `postgresql://postgres@127.0.0.1:5432`. Each call creates a
 * database with a random name; `drop()` removes it (ending any connection still open on it).
 */
export interface PostgresTestDatabase {
  /** `postgresql://user:pass@host:port/<random name>`. */
  url: string;
  name: string;
  /** `postgresql://user:pass@host:port` without a database. */
  serverUrl: string;
  /** A client on the test database; the caller ends it. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

/** The server the tests use. */
export function postgresServerUrl(): string {
  const u = new URL(
    (process.env.LABBOOK_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:'),
  );
  u.pathname = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

/** A client on `database` of the test server; the caller ends it. */
export async function connectTo(database: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: `${postgresServerUrl()}/${database}`, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}

/** Runs `sql` on the server's `postgres` database. */
export async function admin(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = await connectTo('postgres');
  try {
    return await c.query(sql, values);
  } finally {
    await c.end();
  }
}

/** Creates a fresh database; throws (for `serviceAvailable`) when the server cannot be reached. */
export async function createPostgresTestDatabase(prefix = 'labbook_test'): Promise<PostgresTestDatabase> {
  const serverUrl = postgresServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return {
    url: `${serverUrl}/${name}`,
    name,
    serverUrl,
    connect: () => connectTo(name),
    async drop() {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh database, or `undefined` (with the reason printed) when no server is reachable outside CI. */
export async function testDatabase(): Promise<PostgresTestDatabase | undefined> {
  try {
    return await createPostgresTestDatabase();
  } catch (error) {
    serviceAvailable('PostgreSQL', error);
    return undefined;
  }
}

/** Reachability, checked once per file at collection time. */
export const probe = await testDatabase();
export const available = probe !== undefined;
if (probe) await probe.drop();
