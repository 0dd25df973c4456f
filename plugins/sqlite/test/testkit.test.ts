import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { afterAll, describe } from 'vitest';
import { SqliteRegistryStore, SqliteTrackingStore } from '../src/index.js';
import { tempFolder } from './helpers/files.js';
import { SQL_STORE_CAPABILITIES } from '../../../packages/sql/test/helpers/capabilities.js';

// Each store gets a file of its own in a folder removed after the suites.
const folder = tempFolder();
afterAll(() => folder.remove());
let n = 0;

describe('sqlite conformance', () => {
  describeTrackingStore({
    name: 'sqlite',
    create: async () => new SqliteTrackingStore({ uri: folder.uri(`tracking-${n++}.db`), artifactRoot: '/tmp/labbook-sqlite-kit' }),
    cleanup: async (store) => {
      await store.close?.();
    },
    capabilities: SQL_STORE_CAPABILITIES,
  });

  describeRegistryStore({
    name: 'sqlite',
    create: async () => new SqliteRegistryStore({ uri: folder.uri(`registry-${n++}.db`) }),
    cleanup: async (store) => {
      await store.close?.();
    },
  });
});
