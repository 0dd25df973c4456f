/**
 * Connection setup from a parsed `mysql://` URI: the driver loaded on first use, the settings shared
 * by the pool and the one-off connection that creates a missing database, and the pool itself.
 */
import { readFile } from 'node:fs/promises';
import type { Connection, ConnectionOptions, Pool, PoolOptions } from 'mysql2/promise';
import type { MysqlConnectionSettings } from './uri.js';

type Mysql2 = typeof import('mysql2/promise');

let mysql2Promise: Promise<Mysql2> | undefined;
// Imported lazily: a program that only names a mysql:// URI in its config must not pay for the driver.
function loadMysql2(): Promise<Mysql2> {
  mysql2Promise ??= import('mysql2/promise').then((m) => ((m as { default?: unknown }).default ?? m) as Mysql2);
  return mysql2Promise;
}

/** mysql2 connection settings for `s` (TLS files read here), without a database. */
export async function connectionConfig(s: MysqlConnectionSettings): Promise<ConnectionOptions> {
  const config: ConnectionOptions = {
    host: s.host,
    port: s.port,
    connectTimeout: s.connectTimeout,
    enableKeepAlive: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
  };
  if (s.user !== undefined) config.user = s.user;
  if (s.password !== undefined) config.password = s.password;
  if (s.ssl !== undefined) {
    const read = (p?: string) => (p === undefined ? undefined : readFile(p, 'utf8'));
    const [ca, cert, key] = await Promise.all([read(s.ssl.caPath), read(s.ssl.certPath), read(s.ssl.keyPath)]);
    config.ssl = {
      rejectUnauthorized: s.ssl.rejectUnauthorized,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
  }
  return config;
}

/** The socket under a core mysql2 connection (`stream`; with TLS, the TCP socket the TLS layer wraps). */
interface WithStream {
  stream?: { ref?: () => unknown; unref?: () => unknown };
}

/**
 * Scripts that never call `close()` (as with MLflow) must still exit: an idle pooled connection's
 * socket is unreferenced, so it does not keep the event loop alive, and referenced again while the
 * connection is checked out, so a query in flight does. Long-lived programs keep their warm
 * connections. Idle connections are not closed on a timer instead, because mysql2's idle sweep is a
 * timer that itself keeps the loop alive.
 */
function holdLoopOnlyWhileBusy(pool: Pool): void {
  // The promise pool re-emits the core pool's events with the core connection, which owns `stream`.
  const core = (pool as unknown as { pool?: Pool }).pool ?? pool;
  core.on('acquire', (conn) => (conn as unknown as WithStream).stream?.ref?.());
  core.on('release', (conn) => (conn as unknown as WithStream).stream?.unref?.());
}

/** A pool on the URI's database. */
export async function createPool(s: MysqlConnectionSettings): Promise<Pool> {
  const mysql = await loadMysql2();
  const config: PoolOptions = {
    ...(await connectionConfig(s)),
    database: s.database,
    connectionLimit: s.connectionLimit,
    waitForConnections: true,
    maxIdle: s.connectionLimit,
    idleTimeout: 60_000,
  };
  const pool = mysql.createPool(config);
  holdLoopOnlyWhileBusy(pool);
  return pool;
}

/** One connection to the server without a database (to create the URI's). The caller ends it. */
export async function openServerConnection(s: MysqlConnectionSettings): Promise<Connection> {
  const mysql = await loadMysql2();
  return mysql.createConnection(await connectionConfig(s));
}
