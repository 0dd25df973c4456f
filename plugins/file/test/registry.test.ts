import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileRegistryStore } from '../src/index.js';
import plugin from '../src/plugin.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

describe('FileRegistryStore', () => {
  afterEach(removeTempRoots);

  it('creates versions, moves stages with archiving, aliases and renames', async () => {
    const reg = new FileRegistryStore({ root: join(tempRoot(), 'mlruns') });
    await reg.createRegisteredModel('m');
    await expect(reg.createRegisteredModel('m')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    for (let i = 0; i < 3; i++) await reg.createModelVersion({ name: 'm', source: `s3://b/${i}` });
    await reg.transitionModelVersionStage('m', '1', 'Production', false);
    await reg.transitionModelVersionStage('m', '2', 'production', true);
    expect((await reg.getModelVersion('m', '1')).currentStage).toBe('Archived');
    expect((await reg.getLatestVersions('m', ['Production'])).map((v) => v.version)).toEqual(['2']);
    await reg.setRegisteredModelAlias('m', 'champion', '2');
    await reg.setRegisteredModelAlias('m', 'champion', '3');
    expect((await reg.getModelVersionByAlias('m', 'champion')).version).toBe('3');
    await reg.deleteModelVersion('m', '3');
    await expect(reg.getModelVersionByAlias('m', 'champion')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await reg.createModelVersion({ name: 'm', source: 's3://b/4' })).version).toBe('4');
    await reg.setModelVersionTag('m', '4', { key: 'k', value: 'v' });
    await reg.setRegisteredModelAlias('m', 'best', '4');
    await reg.renameRegisteredModel('m', 'n');
    await expect(reg.getRegisteredModel('m')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const v4 = await reg.getModelVersion('n', '4');
    expect(v4).toMatchObject({ name: 'n', aliases: ['best'], tags: [{ key: 'k', value: 'v' }] });
    await reg.deleteRegisteredModel('n');
    await expect(reg.getRegisteredModel('n')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('gives concurrent creators distinct version numbers', async () => {
    const root = join(tempRoot(), 'mlruns');
    await new FileRegistryStore({ root }).createRegisteredModel('m');
    const stores = Array.from({ length: 4 }, () => new FileRegistryStore({ root }));
    const versions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 4]!.createModelVersion({ name: 'm', source: `s3://b/${i}` })),
    );
    expect(new Set(versions.map((v) => v.version)).size).toBe(20);
  });

  it('refuses names that would leave models/', async () => {
    const reg = new FileRegistryStore({ root: join(tempRoot(), 'mlruns') });
    for (const name of ['../x', 'a/b', '..', '.']) {
      await expect(reg.createRegisteredModel(name)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    }
    expect(plugin.registryStores?.file?.('x', {})).toBeInstanceOf(FileRegistryStore);
  });
});
