import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTrackingStore } from '../src/index.js';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';

const STORES = 16;
const ROUNDS = 10;

describe.runIf(available)('concurrent stores on one database', () => {
  let db: PostgresTestDatabase;
  let stores: PostgresTrackingStore[];

  beforeAll(async () => {
    db = (await testDatabase())!;
    // Each with its own pool, as separate processes would be; they also race to create the schema.
    stores = Array.from({ length: STORES }, () => new PostgresTrackingStore({ uri: db.url }));
  });
  afterAll(async () => {
    await Promise.all((stores ?? []).map((s) => s.close()));
    await db?.drop();
  });

  it(`create one experiment name from ${STORES} stores at once: exactly one wins, the rest get RESOURCE_ALREADY_EXISTS (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `contended-${round}`;
      const outcomes = await Promise.allSettled(stores.map((s) => s.createExperiment(name)));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won, `round ${round}`).toHaveLength(1);
      for (const o of lost) {
        expect(LabbookError.is(o.reason) && o.reason.code, `round ${round}: ${String(o.reason)}`).toBe('RESOURCE_ALREADY_EXISTS');
      }
      const id = (won[0] as PromiseFulfilledResult<string>).value;
      expect((await stores[round % STORES]!.getExperiment(id)).name).toBe(name);
    }
  });
});
