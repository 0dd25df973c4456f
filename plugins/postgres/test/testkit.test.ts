import type { GuardedRegistryStore, GuardedTrackingStore, RegistryStore, TrackingStore } from '@labbook/core';
import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { describe } from 'vitest';
import { PostgresRegistryStore, PostgresTrackingStore } from '../src/index.js';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';
import { SQL_STORE_CAPABILITIES } from '../../../packages/sql/test/helpers/capabilities.js';

// Each suite runs in a database it creates; cleanup closes the pool and drops the database.
const databases = new WeakMap<object, PostgresTestDatabase>();

type AnyStore = TrackingStore | GuardedTrackingStore | RegistryStore | GuardedRegistryStore;

async function cleanup(store: AnyStore): Promise<void> {
  await store.close?.();
  await databases.get(store)?.drop();
}

describe.runIf(available)('postgresql conformance', () => {
  describeTrackingStore({
    name: 'postgresql',
    create: async () => {
      const db = (await testDatabase())!;
      const store = new PostgresTrackingStore({ uri: db.url, artifactRoot: '/tmp/labbook-postgres-kit' });
      databases.set(store, db);
      return store;
    },
    cleanup,
    capabilities: SQL_STORE_CAPABILITIES,
  });

  describeRegistryStore({
    name: 'postgresql',
    create: async () => {
      const db = (await testDatabase())!;
      const store = new PostgresRegistryStore({ uri: db.url });
      databases.set(store, db);
      return store;
    },
    cleanup,
  });
});
