/**
 * Connection setup from a parsed `postgresql://` URI: the driver loaded on first use, the settings
 * shared by the pool and the one-off connection that creates a missing database, and the pool.
 */
import { readFile } from 'node:fs/promises';
import type { Client, ClientConfig, CustomTypesConfig, Pool, PoolConfig } from 'pg';
import type { PostgresConnectionSettings } from './uri.js';

type Pg = typeof import('pg');

let pgPromise: Promise<Pg> | undefined;
// Imported lazily: a program that only names a postgresql:// URI in its config must not pay for the driver.
export function loadPg(): Promise<Pg> {
  pgPromise ??= import('pg').then((m) => ((m as { default?: unknown }).default ?? m) as Pg);
  return pgPromise;
}

const INT8 = 20;

/**
 * Type parsers of labbook's pools: BIGINT (int8: timestamps, steps, COUNT) as a number when it is
 * exactly representable, else left a string as node-postgres gives it (the core reads both). The
 * driver's defaults stand for the rest: DOUBLE PRECISION as a number (NaN and ±Infinity included),
 * BOOLEAN as true/false, NUMERIC (SUM of BIGINT) as a string. Per pool, never the global registry,
 * so an application's own pg pools are left alone.
 */
export function typesOf(pg: Pg): CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8 && format !== 'binary') {
        return (value: string) => {
          const n = Number(value);
          return Number.isSafeInteger(n) ? n : value;
        };
      }
      return pg.types.getTypeParser(oid, format as 'text');
    }) as CustomTypesConfig['getTypeParser'],
  };
}

/** node-postgres connection settings for `s` (the CA file read here), on `database`. */
export async function clientConfig(pg: Pg, s: PostgresConnectionSettings, database: string): Promise<ClientConfig> {
  const config: ClientConfig = {
    host: s.host,
    port: s.port,
    database,
    connectionTimeoutMillis: s.connectTimeout,
    keepAlive: true,
    types: typesOf(pg),
  };
  if (s.user !== undefined) config.user = s.user;
  if (s.password !== undefined) config.password = s.password;
  if (s.applicationName !== undefined) config.application_name = s.applicationName;
  if (s.options !== undefined) config.options = s.options;
  // The server enforces the timeout, so the connection stays usable after a cancelled statement.
  if (s.statementTimeout !== undefined) config.statement_timeout = s.statementTimeout;
  if (s.sslMode !== 'disable') {
    const ca = s.sslRootCert === undefined ? undefined : await readFile(s.sslRootCert, 'utf8');
    config.ssl =
      s.sslMode === 'require'
        ? { rejectUnauthorized: false }
        : {
            rejectUnauthorized: true,
            ...(ca === undefined ? {} : { ca }),
            // verify-ca checks the chain but not the host name, as libpq does.
            ...(s.sslMode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
          };
  }
  return config;
}

/**
 * A pool on the URI's database. Idle clients do not hold the event loop (`allowExitOnIdle`), so a
 * script that never calls `close()` still exits; a client in use does. An idle client's failure
 * (a server restart) is swallowed here: the pool drops that client and the next query reconnects.
 */
export async function createPool(s: PostgresConnectionSettings): Promise<Pool> {
  const pg = await loadPg();
  const config: PoolConfig = {
    ...(await clientConfig(pg, s, s.database)),
    max: s.poolSize,
    idleTimeoutMillis: 60_000,
    allowExitOnIdle: true,
  };
  const pool = new pg.Pool(config);
  pool.on('error', () => undefined);
  return pool;
}

/** One connection to the server's `postgres` database (to create the URI's). The caller ends it. */
export async function openServerConnection(s: PostgresConnectionSettings): Promise<Client> {
  const pg = await loadPg();
  const client = new pg.Client(await clientConfig(pg, s, 'postgres'));
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
