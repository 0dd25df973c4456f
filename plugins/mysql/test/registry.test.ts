import { LabbookError } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuardedRegistryStore, validatedRegistryStore } from '@labbook/core';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlRegistryStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (LabbookError.is(e)) return e.code;
    throw e;
  }
  return 'OK';
}

describe.runIf(available)('MysqlRegistryStore', () => {
  let db: MysqlTestDatabase;
  let store: GuardedRegistryStore;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedRegistryStore(new MysqlRegistryStore({ uri: db.url }));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('creates models and numbered versions, stages with archiving, aliases and tags', async () => {
    const m = await store.createRegisteredModel('Model', [{ key: 'k', value: 'v' }], 'desc');
    expect(m).toMatchObject({ name: 'Model', description: 'desc', tags: [{ key: 'k', value: 'v' }], latestVersions: [] });
    expect(await code(store.createRegisteredModel('Model'))).toBe('RESOURCE_ALREADY_EXISTS');
    expect(await code(store.getRegisteredModel('model'))).toBe('RESOURCE_DOES_NOT_EXIST');
    const v1 = await store.createModelVersion({ name: 'Model', source: 's3://a/1', runId: 'r1', tags: [{ key: 't', value: '1' }] });
    const v2 = await store.createModelVersion({ name: 'Model', source: 's3://a/2' });
    expect([v1.version, v2.version, v1.currentStage, v1.status]).toEqual(['1', '2', 'None', 'READY']);
    await store.transitionModelVersionStage('Model', '1', 'production', false);
    await store.transitionModelVersionStage('Model', '2', 'Production', true);
    expect((await store.getModelVersion('Model', '1')).currentStage).toBe('Archived');
    const latest = await store.getLatestVersions('Model');
    expect(latest.map((v) => [v.version, v.currentStage])).toEqual([
      ['2', 'Production'],
      ['1', 'Archived'],
    ]);
    await store.setRegisteredModelAlias('Model', 'champion', '1');
    await store.setRegisteredModelAlias('Model', 'champion', '2');
    expect((await store.getModelVersionByAlias('Model', 'champion')).version).toBe('2');
    expect((await store.getModelVersion('Model', '2')).aliases).toEqual(['champion']);
    expect(await code(store.getModelVersionByAlias('Model', 'Champion'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await store.setModelVersionTag('Model', '1', { key: 't', value: '2' });
    expect((await store.getModelVersion('Model', '1')).tags).toEqual([{ key: 't', value: '2' }]);
    expect(await store.getModelVersionDownloadUri('Model', '1')).toBe('s3://a/1');
  });

  it('soft-deletes versions with redacted fields and never reuses their numbers', async () => {
    await store.createRegisteredModel('Soft');
    await store.createModelVersion({ name: 'Soft', source: 'x', runId: 'r' });
    await store.setRegisteredModelAlias('Soft', 'a', '1');
    await store.deleteModelVersion('Soft', '1');
    expect(await code(store.getModelVersion('Soft', '1'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await store.getRegisteredModel('Soft')).aliases).toEqual([]);
    const conn = await mysql.createConnection({ uri: db.url });
    const [rows] = await conn.query("SELECT current_stage, source, run_id, run_link FROM model_versions WHERE name = 'Soft'");
    await conn.end();
    expect(rows).toEqual([
      { current_stage: 'Deleted_Internal', source: 'REDACTED-SOURCE-PATH', run_id: 'REDACTED-RUN-ID', run_link: 'REDACTED-RUN-LINK' },
    ]);
    expect((await store.createModelVersion({ name: 'Soft', source: 'y' })).version).toBe('2');
    expect((await store.searchModelVersions({ filter: "name = 'Soft'" })).items.map((v) => v.version)).toEqual(['2']);
  });

  it('renames with versions and deletes models entirely', async () => {
    await store.createRegisteredModel('Old');
    await store.createModelVersion({ name: 'Old', source: 'x', tags: [{ key: 'a', value: 'b' }] });
    await store.setRegisteredModelAlias('Old', 'al', '1');
    const renamed = await store.renameRegisteredModel('Old', 'New');
    expect(renamed.aliases).toEqual([{ alias: 'al', version: '1' }]);
    expect((await store.getModelVersion('New', '1')).tags).toEqual([{ key: 'a', value: 'b' }]);
    expect(await code(store.renameRegisteredModel('New', 'Model'))).toBe('RESOURCE_ALREADY_EXISTS');
    await store.deleteRegisteredModel('New');
    expect(await code(store.getRegisteredModel('New'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await store.searchRegisteredModels({ filter: "name LIKE 'M%'" })).items.map((m) => m.name)).toEqual(['Model']);
  });

  it('gives concurrent version creations distinct numbers', async () => {
    await store.createRegisteredModel('Race');
    const versions = await Promise.all(Array.from({ length: 8 }, () => store.createModelVersion({ name: 'Race', source: 'x' })));
    expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
