import type { GuardedRegistryStore, GuardedTrackingStore, RegistryStore, TrackingStore } from '@labbook/core';
import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { describe } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../src/index.js';
import { available, testDatabase } from './helpers/db.js';
import { SQL_STORE_CAPABILITIES } from '../../../packages/sql/test/helpers/capabilities.js';

// Each suite runs in a database it creates; cleanup closes the pool and drops the database.
const databases = new WeakMap<object, MysqlTestDatabase>();

type AnyStore = TrackingStore | GuardedTrackingStore | RegistryStore | GuardedRegistryStore;

async function cleanup(store: AnyStore): Promise<void> {
  await store.close?.();
  await databases.get(store)?.drop();
}

describe.runIf(available)('mysql conformance', () => {
  describeTrackingStore({
    name: 'mysql',
    create: async () => {
      const db = (await testDatabase())!;
      const store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-mysql-kit' });
      databases.set(store, db);
      return store;
    },
    cleanup,
    capabilities: SQL_STORE_CAPABILITIES,
  });

  describeRegistryStore({
    name: 'mysql',
    create: async () => {
      const db = (await testDatabase())!;
      const store = new MysqlRegistryStore({ uri: db.url });
      databases.set(store, db);
      return store;
    },
    cleanup,
  });
});
