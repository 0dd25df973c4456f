import { type GuardedRegistryStore, validatedRegistryStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { available, testDatabase } from '../../../plugins/mysql/test/helpers/db.js';
import { SqlDatabase } from '../src/database.js';
import { SqlRegistryStore } from '../src/registry-store.js';
import { narrowDriver } from './helpers/narrow-driver.js';

/** The SQL core's registry store on MySQL: what the port changed (upserts, exact keys, split lists). */
describe.runIf(available)('SqlRegistryStore on MySQL', () => {
  let db: MysqlTestDatabase;
  let store: GuardedRegistryStore;
  let narrow: SqlRegistryStore;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedRegistryStore(new SqlRegistryStore(new SqlDatabase(narrowDriver(db.url, 65_535))));
    narrow = new SqlRegistryStore(new SqlDatabase(narrowDriver(db.url, 4)));
  });
  afterAll(async () => {
    await store?.close();
    await narrow?.close();
    await db?.drop();
  });

  it('keeps the last value of a tag key given twice in one create', async () => {
    const m = await store.createRegisteredModel('Twice', [
      { key: 'k', value: 'first' },
      { key: 'k', value: 'last' },
    ]);
    expect(m.tags).toEqual([{ key: 'k', value: 'last' }]);
    const v = await store.createModelVersion({
      name: 'Twice',
      source: 's3://b/1',
      tags: [
        { key: 't', value: '1' },
        { key: 't', value: '2' },
      ],
    });
    expect(v.tags).toEqual([{ key: 't', value: '2' }]);
    await store.setModelVersionTag('Twice', '1', { key: 't', value: '3' });
    await store.setRegisteredModelTag('Twice', { key: 'k', value: 'again' });
    expect((await store.getModelVersion('Twice', '1')).tags).toEqual([{ key: 't', value: '3' }]);
    expect((await store.getRegisteredModel('Twice')).tags).toEqual([{ key: 'k', value: 'again' }]);
  });

  it('moves an alias with an upsert and finds names and keys exactly', async () => {
    await store.createRegisteredModel('Aliased');
    await store.createModelVersion({ name: 'Aliased', source: 's3://c/1' });
    await store.createModelVersion({ name: 'Aliased', source: 's3://c/2' });
    await store.setRegisteredModelAlias('Aliased', 'champion', '1');
    await store.setRegisteredModelAlias('Aliased', 'champion', '2');
    expect((await store.getModelVersionByAlias('Aliased', 'champion')).version).toBe('2');
    await expect(store.getModelVersionByAlias('Aliased', 'Champion')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(store.getRegisteredModel('aliased')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    // Another casing of the alias deletes nothing.
    await store.deleteRegisteredModelAlias('Aliased', 'CHAMPION');
    expect((await store.getRegisteredModel('Aliased')).aliases).toEqual([{ alias: 'champion', version: '2' }]);
    await store.deleteRegisteredModelAlias('Aliased', 'champion');
    expect((await store.getRegisteredModel('Aliased')).aliases).toEqual([]);
  });

  it('splits tag writes and name lists to fit the dialect parameter limit', async () => {
    const tags = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    for (let i = 0; i < 6; i++) {
      await narrow.createRegisteredModel(`Narrow${i}`, tags);
      await narrow.createModelVersion({ name: `Narrow${i}`, source: `s3://n/${i}`, tags });
      await narrow.setRegisteredModelAlias(`Narrow${i}`, 'a', '1');
    }
    const answer = await narrow.searchRegisteredModels({} as never);
    if (answer.kind !== 'candidates') throw new Error('expected candidates');
    const mine = answer.items.filter((m) => m.name.startsWith('Narrow')).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(mine.map((m) => m.name)).toEqual(['Narrow0', 'Narrow1', 'Narrow2', 'Narrow3', 'Narrow4', 'Narrow5']);
    for (const m of mine) {
      expect(m.tags.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(tags);
      expect(m.aliases).toEqual([{ alias: 'a', version: '1' }]);
      expect(m.latestVersions).toHaveLength(1);
      expect(m.latestVersions[0]!.tags.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(tags);
      expect(m.latestVersions[0]!.aliases).toEqual(['a']);
    }
  });

  it('numbers concurrent versions without gaps or repeats, every time', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `Race${round}`;
      await store.createRegisteredModel(name);
      const versions = await Promise.all(Array.from({ length: 6 }, (_, i) => store.createModelVersion({ name, source: `s3://r/${i}` })));
      expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
});
