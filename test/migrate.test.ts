import { describe } from 'vitest';
import { conflictCase, fileStores, migrateSuite } from './harness/migrate-suite.js';

migrateSuite('file store', async () => fileStores());

describe('migrate conflicts → file store', () => {
  conflictCase(async () => fileStores());
});
