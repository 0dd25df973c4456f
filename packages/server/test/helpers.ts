import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '@labbook/plugin-file';
import { MysqlRegistryStore, MysqlTrackingStore } from '@labbook/plugin-mysql';
import mysql from 'mysql2/promise';
import { createMysqlTestDatabase, type MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { serviceAvailable } from '../../../test/harness/service.js';
import { type RunningServer, startServer } from '../src/index.js';

/** A server on a free loopback port backed by a file store in a temp folder. */
export async function fileServer(extra: Record<string, unknown> = {}): Promise<RunningServer & { root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-server-'));
  const s = await startServer({
    port: 0,
    logger: false,
    trackingStore: new FileTrackingStore({ root: join(root, 'mlruns'), fsync: false, artifactRoot: 'mlflow-artifacts:/' }),
    registryStore: new FileRegistryStore({ root: join(root, 'mlruns'), fsync: false }),
    artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
    ...extra,
  });
  return { ...s, root };
}

/**
 * A fresh MySQL database for one suite (or one test), or undefined where MariaDB cannot be reached:
 * the suite is then skipped with the reason printed, and under CI=true it fails instead.
 */
export async function mysqlDatabaseOrSkip(prefix: string): Promise<MysqlTestDatabase | undefined> {
  try {
    return await createMysqlTestDatabase(mysql, prefix);
  } catch (error) {
    serviceAvailable('MySQL', error);
    return undefined;
  }
}

/** A server on a free loopback port over MySQL stores in `db`; `dispose` stops it and drops the database. */
export async function mysqlBackedServer(db: MysqlTestDatabase): Promise<RunningServer & { dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-srv-mysql-'));
  const server = await startServer({
    port: 0,
    logger: false,
    uiDir: '',
    trackingStore: new MysqlTrackingStore({ uri: db.url, artifactRoot: 'mlflow-artifacts:/' }),
    registryStore: new MysqlRegistryStore({ uri: db.url }),
    artifactsDestination: join(dir, 'mlartifacts'),
  });
  return {
    ...server,
    dispose: async () => {
      await server.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
