// A tracking + registry store pair on one fresh SQL database (MySQL, PostgreSQL or a SQLite file),
// both stores sharing the plugin's database object, as an app holding one connection pool would.
// The built plugins (dist) are used, as a user gets them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MysqlDatabase, MysqlRegistryStore, MysqlTrackingStore } from '@labbook/plugin-mysql';
import { PostgresDatabase, PostgresRegistryStore, PostgresTrackingStore } from '@labbook/plugin-postgres';
import { SqliteDatabase, SqliteRegistryStore, SqliteTrackingStore } from '@labbook/plugin-sqlite';
import type { RegistryStore, TrackingStore } from '@labbook/core';
import { createMysqlTestDatabase, type MysqlDriver } from './mysql.js';
import { createPostgresTestDatabase } from './postgres.js';
import { serviceAvailable } from './service.js';

/** Two stores on one database, and how to drop it (after both are closed). */
export interface SqlPair {
  tracking: TrackingStore;
  registry: RegistryStore;
  /** The database's URI, as `--to` takes it. */
  uri: string;
  /** Where the pair puts new experiments' artifacts (a temp folder removed by `drop`). */
  artifactRoot: string;
  /** Closes both stores (idempotent) and removes the database and the artifact folder. */
  drop(): Promise<void>;
}

export type SqlBackend = 'mysql' | 'postgres' | 'sqlite';

const root = join(import.meta.dirname, '..', '..');
// mysql2 is the mysql plugin's dependency, not the test workspace's.
const mysql2 = () => createRequire(join(root, 'plugins', 'mysql', 'package.json'))('mysql2/promise') as MysqlDriver;

function pairOn(
  uri: string,
  artifactRoot: string,
  make: () => { tracking: TrackingStore; registry: RegistryStore },
  remove: () => Promise<void>,
): SqlPair {
  const { tracking, registry } = make();
  let dropped = false;
  return {
    tracking,
    registry,
    uri,
    artifactRoot,
    async drop() {
      if (dropped) return;
      dropped = true;
      await tracking.close?.();
      await registry.close?.();
      await remove();
      rmSync(artifactRoot, { recursive: true, force: true });
    },
  };
}

/** A pair on a fresh database of `backend`; throws when its server cannot be reached. */
export async function sqlPair(backend: SqlBackend, prefix = 'labbook_migrate'): Promise<SqlPair> {
  const artifactRoot = mkdtempSync(join(tmpdir(), `labbook-${backend}-artifacts-`));
  try {
    if (backend === 'mysql') {
      const d = await createMysqlTestDatabase(mysql2(), prefix);
      const db = new MysqlDatabase({ uri: d.url, artifactRoot });
      return pairOn(
        d.url,
        artifactRoot,
        () => ({ tracking: new MysqlTrackingStore({ database: db }), registry: new MysqlRegistryStore({ database: db }) }),
        d.drop,
      );
    }
    if (backend === 'postgres') {
      const d = await createPostgresTestDatabase(prefix);
      const db = new PostgresDatabase({ uri: d.url, artifactRoot });
      return pairOn(
        d.url,
        artifactRoot,
        () => ({ tracking: new PostgresTrackingStore({ database: db }), registry: new PostgresRegistryStore({ database: db }) }),
        d.drop,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'labbook-sqlite-'));
    // Four slashes: an absolute path (`sqlite:///x` is relative to the working directory).
    const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
    const db = new SqliteDatabase({ uri, artifactRoot });
    return pairOn(
      uri,
      artifactRoot,
      () => ({ tracking: new SqliteTrackingStore({ uri, database: db }), registry: new SqliteRegistryStore({ uri, database: db }) }),
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  } catch (error) {
    rmSync(artifactRoot, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Whether `backend`'s server answers, checked once at collection time with a database made and
 * dropped; outside CI a missing server skips (reason printed), under CI=true it fails.
 */
export async function sqlBackendAvailable(backend: SqlBackend): Promise<boolean> {
  try {
    const p = await sqlPair(backend, 'labbook_probe');
    await p.drop();
    return true;
  } catch (error) {
    return serviceAvailable(backend === 'mysql' ? 'MySQL' : backend === 'postgres' ? 'PostgreSQL' : 'SQLite', error);
  }
}
