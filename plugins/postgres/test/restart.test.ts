import { validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTrackingStore } from '../src/index.js';
import { admin, available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';

describe.runIf(available)('connections the server ends', () => {
  let db: PostgresTestDatabase;
  let store: ReturnType<typeof validatedTrackingStore>;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedTrackingStore(new PostgresTrackingStore({ uri: `${db.url}?pool_size=4` }));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const terminate = () =>
    admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);

  it('are replaced: the next calls reconnect (idle clients dropped, in-flight failures retried)', async () => {
    const exp = await store.createExperiment('before');
    // Warm several pooled connections, then have the server end them all (as a restart or failover does).
    await Promise.all(Array.from({ length: 4 }, () => store.getExperiment(exp)));
    for (let round = 0; round < 3; round++) {
      expect((await terminate()).rowCount).toBeGreaterThan(0);
      const results = await Promise.all([
        store.getExperiment(exp),
        store.createExperiment(`after-${round}`),
        store.searchExperiments({ filter: "name LIKE 'after-%'" }),
      ]);
      expect(results[0].name).toBe('before');
    }
    expect((await store.searchExperiments({ filter: "name LIKE 'after-%'" })).items).toHaveLength(3);
  });
});
