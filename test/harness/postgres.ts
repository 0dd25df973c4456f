import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Test databases on a real PostgreSQL: `LABBOOK_TEST_POSTGRES_URL` when set (a server URL; its
 * database part is ignored), otherwise `postgresql://postgres@127.0.0.1:5432`. Each call creates a
 * database with a random name and returns a URL to it and a function that drops it. `pg` is loaded
 * from the PostgreSQL plugin's folder (its dependency, not the test workspace's).
 */
export interface PostgresTestDatabase {
  /** `postgresql://user@host:port/<random name>`. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
type PgModule = { Client: new (options: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient };

/** The server the tests use. */
export function postgresServerUrl(): string {
  const u = new URL(
    (process.env.LABBOOK_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/^postgres(ql)?\+\w+:/, 'postgresql:'),
  );
  u.pathname = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

function pg(): PgModule {
  const root = join(import.meta.dirname, '..', '..');
  return createRequire(join(root, 'plugins', 'postgres', 'package.json'))('pg') as PgModule;
}

async function admin(sql: string): Promise<void> {
  const client = new (pg().Client)({ connectionString: `${postgresServerUrl()}/postgres`, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database; throws (for `serviceAvailable`) when the server cannot be reached. */
export async function createPostgresTestDatabase(prefix = 'labbook_test'): Promise<PostgresTestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return {
    url: `${postgresServerUrl()}/${name}`,
    name,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
