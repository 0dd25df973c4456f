/**
 * The conformance suites through the REST stores against a live server backed by MySQL (MariaDB on
 * 127.0.0.1): what a team runs in production. Skips with the reason on a machine without MySQL; fails
 * under CI=true.
 */
import { RestRegistryStore, RestTrackingStore } from '@labbook/core';
import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { describe } from 'vitest';
import { mysqlBackedServer, mysqlDatabaseOrSkip } from './helpers.js';

const database = () => mysqlDatabaseOrSkip('labbook_srv');
const probe = await database();
await probe?.drop();

const running = new WeakMap<object, { dispose: () => Promise<void> }>();

async function mysqlServer() {
  return mysqlBackedServer((await database())!);
}

async function cleanup(store: object): Promise<void> {
  await running.get(store)?.dispose();
}

describe.runIf(probe !== undefined)('REST over a MySQL-backed server', () => {
  describeTrackingStore({
    name: 'rest over mysql',
    create: async () => {
      const r = await mysqlServer();
      const store = new RestTrackingStore(r.url, { maxRetries: 0 });
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
      loggedModels: true,
    },
  });

  describeRegistryStore({
    name: 'rest over mysql',
    create: async () => {
      const r = await mysqlServer();
      const store = new RestRegistryStore(r.url, { maxRetries: 0 });
      running.set(store, r);
      return store;
    },
    cleanup,
  });
});
