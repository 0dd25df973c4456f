/**
 * The conformance suites through the REST stores against a live server backed by MySQL (MariaDB on
 * 127.0.0.1): what a team runs in production. Skips with the reason on a machine without MySQL; fails
 * under CI=true.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestRegistryStore, RestTrackingStore } from '@labbook/core';
import { MysqlRegistryStore, MysqlTrackingStore } from '@labbook/plugin-mysql';
import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { describe } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { type RunningServer, startServer } from '../src/index.js';
import { mysqlDatabaseOrSkip } from './helpers.js';

const database = () => mysqlDatabaseOrSkip('labbook_srv');
const probe = await database();
await probe?.drop();

const running = new WeakMap<object, { server: RunningServer; db: MysqlTestDatabase; dir: string }>();

async function mysqlServer(): Promise<{ server: RunningServer; db: MysqlTestDatabase; dir: string }> {
  const db = (await database())!;
  const dir = mkdtempSync(join(tmpdir(), 'labbook-srv-mysql-'));
  const server = await startServer({
    port: 0,
    logger: false,
    uiDir: '',
    trackingStore: new MysqlTrackingStore({ uri: db.url, artifactRoot: 'mlflow-artifacts:/' }),
    registryStore: new MysqlRegistryStore({ uri: db.url }),
    artifactsDestination: join(dir, 'mlartifacts'),
  });
  return { server, db, dir };
}

async function cleanup(store: object): Promise<void> {
  const r = running.get(store);
  if (!r) return;
  await r.server.close();
  await r.db.drop();
  rmSync(r.dir, { recursive: true, force: true });
}

describe.runIf(probe !== undefined)('REST over a MySQL-backed server', () => {
  describeTrackingStore({
    name: 'rest over mysql',
    create: async () => {
      const r = await mysqlServer();
      const store = new RestTrackingStore(r.server.url, { maxRetries: 0 });
      running.set(store, r);
      return store;
    },
    cleanup,
    artifactLocationFor: (name) => `mlflow-artifacts:/custom/${name}`,
    capabilities: {
      experimentIds: 'sequential',
      canDeleteDefaultExperiment: true,
      nanStorage: 'flag',
      infClamped: true,
      dedupesMetricPoints: true,
      historyOrder: 'sorted',
      searchPaging: 'tokenWhenFull',
      deletedExperimentRunError: 'INVALID_PARAMETER_VALUE',
    },
  });

  describeRegistryStore({
    name: 'rest over mysql',
    create: async () => {
      const r = await mysqlServer();
      const store = new RestRegistryStore(r.server.url, { maxRetries: 0 });
      running.set(store, r);
      return store;
    },
    cleanup,
  });
});
